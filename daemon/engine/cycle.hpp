#pragma once

// The engine's one decision: given what it remembered, what a complete snapshot shows now,
// the rules and the time, which alerts go out and what to remember next. Pure: same inputs,
// same outputs (invariant 7).

#include "engine/model.hpp"
#include "engine/rules.hpp"

#include <vector>

namespace rootwatch::engine {

enum class baseline_mode { alert, silent };

struct cycle_input {
  tenant_ref tenant;
  const tenant_state* previous = nullptr;
  const snapshot* current = nullptr;
  const std::vector<rule>* rules = nullptr;
  baseline_mode baseline = baseline_mode::alert;
  timestamp now{};
};

struct cycle_output {
  tenant_state next;
  std::vector<alert> alerts;  // in a stable order: removals first, then creations, by key
  std::size_t firing = 0;     // assignments in `next` with firing == true
  std::size_t allowed = 0;    // watched assignments suppressed by an allow entry
};

cycle_output run_cycle(const cycle_input& in);

}  // namespace rootwatch::engine
