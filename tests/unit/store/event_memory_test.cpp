// The logs' memory in rootwatch.db (schema 4): watermarks, the records taken lately and who
// created each tracked assignment survive a restart exactly, so that a restart neither alerts
// an event twice nor forgets who made an assignment; a damaged row is forgotten, never fatal.

#include "store/event_json.hpp"
#include "store/sqlite.hpp"
#include "store/state_store.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rootwatch::store {
namespace {

const timestamp t0 = *parse_iso8601("2026-01-01T00:00:00Z");
constexpr const char* tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";

engine::audit_event sample_event(const std::string& source, const std::string& id) {
  engine::audit_event e;
  e.source = source;
  e.event_id = id;
  e.operation = "elevate_access";
  e.status = "Succeeded";
  e.occurred_at = t0 - std::chrono::minutes{3};
  e.correlation_id = "9c3e1f0a-5b7d-4e2c-8a6f-1d0b3c5e7a9f";
  e.actor = engine::actor_ref{"11111111-1111-1111-1111-111111111111", "j\xC3\xB6rg@contoso.example", std::nullopt,
                              "203.0.113.7"};
  e.scope = "/";
  e.role_id = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
  e.principal_id = "11111111-1111-1111-1111-111111111111";
  return e;
}

engine::tenant_state sample_state() {
  engine::tenant_state s;
  s.initialized = true;
  engine::tracked_assignment t;
  t.current.id = "/providers/Microsoft.Authorization/roleAssignments/5d2c8e1f-3a4b-4c6d-8e9f-0a1b2c3d4e5f";
  t.current.scope = "/";
  t.current.role = {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"};
  t.current.principal = {"11111111-1111-1111-1111-111111111111", "User", std::nullopt};
  t.key = "k";
  t.first_seen = t0;
  t.firing = true;
  t.actor =
      engine::actor_ref{"11111111-1111-1111-1111-111111111111", "alice@contoso.example", std::nullopt, "203.0.113.7"};
  s.assignments.push_back(t);
  s.events.watermarks["activity_log"] = t0;
  s.events.watermarks["entra_audit"] = t0 - std::chrono::seconds{30};
  s.events.seen.push_back(engine::seen_event{sample_event("activity_log", "ev-1"), "event|activity_log|ev-1"});
  s.events.seen.push_back(engine::seen_event{sample_event("entra_audit", "aud-1"), "event|activity_log|ev-1"});
  s.events.seen.push_back(engine::seen_event{sample_event("entra_audit", "aud-2"), ""});
  return s;
}

TEST(event_memory, watermarks_records_and_actors_read_back_exactly) {
  testing_support::temp_dir dir{"rootwatch-events"};
  const auto state = sample_state();
  {
    auto store = state_store::open(dir.path().string());
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->commit_cycle(tenant, state, {}, {}, t0));
  }
  auto store = state_store::open(dir.path().string());
  ASSERT_TRUE(store);
  const auto loaded = (*store)->load_tenant(tenant);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(*loaded, state);
  EXPECT_EQ(loaded->events.seen.size(), 3u);
}

TEST(event_memory, a_later_commit_replaces_what_was_remembered) {
  testing_support::temp_dir dir{"rootwatch-events"};
  auto store = state_store::open(dir.path().string());
  ASSERT_TRUE(store);
  auto state = sample_state();
  ASSERT_TRUE((*store)->commit_cycle(tenant, state, {}, {}, t0));
  state.events.seen.erase(state.events.seen.begin());
  state.events.watermarks.erase("entra_audit");
  ASSERT_TRUE((*store)->commit_cycle(tenant, state, {}, {}, t0));
  EXPECT_EQ(*(*store)->load_tenant(tenant), state);
}

TEST(event_memory, a_damaged_record_is_forgotten_and_the_rest_still_loads) {
  testing_support::temp_dir dir{"rootwatch-events"};
  auto state = sample_state();
  {
    auto store = state_store::open(dir.path().string());
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->commit_cycle(tenant, state, {}, {}, t0));
  }
  {
    auto db = database::open((dir.path() / "rootwatch.db").string());
    ASSERT_TRUE(db);
    ASSERT_TRUE(
        db->exec("UPDATE seen_event SET record = '{\"source\": 7' WHERE event_id = 'aud-2'; "
                 "UPDATE event_watermark SET watermark = 'yesterday' WHERE source = 'entra_audit'; "
                 "UPDATE assignment_state SET actor = '[1,2]'"));
  }
  auto store = state_store::open(dir.path().string());
  ASSERT_TRUE(store);
  const auto loaded = (*store)->load_tenant(tenant);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->events.seen.size(), 2u);
  EXPECT_EQ(loaded->events.watermarks.size(), 1u);
  EXPECT_FALSE(loaded->assignments.at(0).actor);
}

TEST(event_memory, event_text_round_trips_and_rejects_what_is_not_a_record) {
  const auto e = sample_event("activity_log", "ev-1");
  EXPECT_EQ(event_from_text(event_text(e)), e);
  EXPECT_FALSE(event_from_text("not json"));
  EXPECT_FALSE(event_from_text("{\"source\":\"activity_log\",\"event_id\":\"x\"}")) << "no time";
  EXPECT_FALSE(actor_from_text("[]"));
  EXPECT_EQ(actor_from_text("{\"id\": 5, \"upn\": \"a@b\"}")->upn, "a@b");
}

}  // namespace
}  // namespace rootwatch::store
