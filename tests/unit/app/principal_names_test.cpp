// The per-tenant principal name cache against the fake's Graph getByIds: names filled where
// known, a second call asking nothing, unknown ids remembered for an hour and names for six,
// a 403 leaving display_name null and logged once with the permission to grant (and Graph left
// alone for a while), transient failures at debug until they last, and never an error for the
// caller.

#include "app/principal_names.hpp"
#include "common/json.hpp"
#include "support/azure_api_env.hpp"
#include "support/directory_principals.hpp"
#include "support/log_capture.hpp"
#include "support/run_coro.hpp"

#include <fmt/format.h>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <algorithm>
#include <cctype>
#include <tuple>

namespace rootwatch::app {
namespace {

using testing_support::log_capture;
using testing_support::run_coro;
using namespace std::chrono_literals;
using namespace testing_support::principals;

engine::assignment row(std::string_view principal) {
  engine::assignment a;
  a.id = "/providers/Microsoft.Authorization/roleAssignments/" + std::string(principal);
  a.scope = "/";
  a.principal.id = std::string(principal);
  a.principal.type = "User";
  return a;
}

class principal_names_test : public testing_support::azure_api_env {
 protected:
  void SetUp() override {
    azure_api_env::SetUp();
    options_.tenant = "contoso";
    options_.graph_base = azure_->base_url();
    options_.timeout = 5s;
    options_.retry = net::retry_policy{2, 10ms, 20ms, 2s};
    testing_support::principals::add_to(*azure_);
    names_ = std::make_unique<principal_names>(*http_, *tokens_, options_, random_, wall_);
  }

  std::vector<engine::assignment> resolved(std::vector<engine::assignment> rows) {
    run_coro(io_, resolve_into(rows));
    return rows;
  }

  awaitable<bool> resolve_into(std::vector<engine::assignment>& rows) {
    co_await names_->resolve(rows);
    co_return true;
  }

  std::vector<fake::recorded_request> lookups() const { return requests_on(fake::azure_route::directory_objects); }

  static json asked(const fake::recorded_request& r) { return json::parse(r.body).at("ids"); }

  principal_names_options options_;
  std::unique_ptr<principal_names> names_;
};

TEST_F(principal_names_test, fills_known_names_and_a_second_call_asks_nothing) {
  auto rows = resolved({row(alice), row(pipeline), row(nobody), row("5C1E7A52-3F0B-4D8E-9A61-2B7C4E9F0D13")});
  EXPECT_EQ(rows[0].principal.display_name, "Alice Example");
  EXPECT_EQ(rows[1].principal.display_name, "deploy-pipeline");
  EXPECT_FALSE(rows[2].principal.display_name) << "an id Graph does not know stays null";
  EXPECT_EQ(rows[3].principal.display_name, "Alice Example") << "ids in any case";
  ASSERT_EQ(lookups().size(), 1u);
  EXPECT_EQ(asked(lookups()[0]).size(), 3u) << "each id once";
  EXPECT_FALSE(names_->last_error());

  wall_.advance(30min);
  auto again = resolved({row(alice), row(pipeline), row(nobody)});
  EXPECT_EQ(again[0].principal.display_name, "Alice Example");
  EXPECT_EQ(again[1].principal.display_name, "deploy-pipeline");
  EXPECT_FALSE(again[2].principal.display_name);
  EXPECT_EQ(lookups().size(), 1u) << "names and not-found answers both come from the cache";
  EXPECT_EQ(names_->lookups(), 1u);

  // A new principal is asked for alone.
  azure_->add_user({"bob@contoso.example", "pw", "b75a5ab2-fe55-4463-bd31-d21ad555c6e0", "Bob"});
  auto with_bob = resolved({row(alice), row("b75a5ab2-fe55-4463-bd31-d21ad555c6e0")});
  EXPECT_EQ(with_bob[1].principal.display_name, "Bob");
  ASSERT_EQ(lookups().size(), 2u);
  EXPECT_EQ(asked(lookups()[1]), json::array({"b75a5ab2-fe55-4463-bd31-d21ad555c6e0"}));
}

TEST_F(principal_names_test, not_found_is_remembered_for_an_hour_and_names_for_six) {
  resolved({row(alice), row(nobody)});
  ASSERT_EQ(lookups().size(), 1u);

  wall_.advance(59min);
  resolved({row(alice), row(nobody)});
  EXPECT_EQ(lookups().size(), 1u) << "the negative entry still holds";

  wall_.advance(2min);
  azure_->add_user({"late@contoso.example", "pw", std::string(nobody), "Created Later"});
  auto rows = resolved({row(alice), row(nobody)});
  ASSERT_EQ(lookups().size(), 2u) << "after an hour the unknown id is asked for again";
  EXPECT_EQ(asked(lookups()[1]), json::array({nobody})) << "alice's name is still cached";
  EXPECT_EQ(rows[1].principal.display_name, "Created Later");

  wall_.advance(5h);
  resolved({row(alice)});
  ASSERT_EQ(lookups().size(), 3u) << "after six hours a name is asked for again";
  EXPECT_EQ(asked(lookups()[2]), json::array({alice}));
}

TEST_F(principal_names_test, a_403_leaves_names_null_and_is_logged_once_naming_the_permission) {
  log_capture log;
  azure_->set_directory_objects_denied(true);
  auto rows = resolved({row(alice), row(pipeline)});
  EXPECT_FALSE(rows[0].principal.display_name);
  EXPECT_FALSE(rows[1].principal.display_name);
  ASSERT_TRUE(names_->last_error());
  EXPECT_EQ(names_->last_error()->kind, error_kind::permission);
  EXPECT_NE(names_->last_error()->message.find("Directory.Read.All"), std::string::npos);
  EXPECT_EQ(log.lines_with("Directory.Read.All"), 1) << log.text();
  EXPECT_EQ(log.lines_with("tenant contoso"), 1) << log.text();

  // Graph is left alone for a while: the answer will not change until someone grants it.
  resolved({row(alice)});
  EXPECT_EQ(lookups().size(), 1u);

  // Asked again later, still refused: still one warning in all.
  wall_.advance(16min);
  resolved({row(alice)});
  wall_.advance(16min);
  resolved({row(alice)});
  EXPECT_EQ(lookups().size(), 3u);
  EXPECT_EQ(log.lines_with("Directory.Read.All"), 1) << log.text();

  // Granted: names come, the error clears, and the log says so.
  azure_->set_directory_objects_denied(false);
  wall_.advance(16min);
  auto granted = resolved({row(alice)});
  EXPECT_EQ(granted[0].principal.display_name, "Alice Example");
  EXPECT_FALSE(names_->last_error());
  EXPECT_EQ(log.lines_with("available again"), 1) << log.text();
}

TEST_F(principal_names_test, transient_failures_are_debug_lines_until_they_last_an_hour) {
  log_capture log;
  fake::fault f;
  f.route = fake::azure_route::directory_objects;
  f.kind = fake::fault_kind::status;
  f.status = 503;
  f.count = std::nullopt;
  azure_->inject_fault(f);

  auto rows = resolved({row(alice)});
  EXPECT_FALSE(rows[0].principal.display_name);
  ASSERT_TRUE(names_->last_error());
  EXPECT_TRUE(names_->last_error()->retryable);
  EXPECT_EQ(log.lines_with("principal display names"), 0) << "one bad minute is not worth a warning:\n" << log.text();
  wall_.advance(30min);
  resolved({row(alice)});
  EXPECT_EQ(log.lines_with("principal display names"), 0) << log.text();

  wall_.advance(31min);
  resolved({row(alice)});
  EXPECT_EQ(log.lines_with("principal display names unavailable for"), 1) << log.text();
  wall_.advance(10min);
  resolved({row(alice)});
  EXPECT_EQ(log.lines_with("principal display names"), 1) << "said once per cause:\n" << log.text();
  EXPECT_EQ(lookups().size(), 4u * 2u) << "asked every call, two attempts each: the cache holds no failure";

  azure_->clear_faults();
  auto back = resolved({row(alice)});
  EXPECT_EQ(back[0].principal.display_name, "Alice Example");
  EXPECT_FALSE(names_->last_error());
}

TEST_F(principal_names_test, many_principals_over_several_lookups_are_each_asked_once) {
  // Ids that sort in another order than they are added, over lookups that each add some to
  // what the cache holds: every later call finds all of them without asking.
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    const int n = (i * 17) % 40;
    ids.push_back(fmt::format("{:08x}-0000-4000-8000-{:012x}", 0xf0000000 - n * 0x01000001, n));
    azure_->add_user({fmt::format("u{}@contoso.example", n), "pw", ids.back(), fmt::format("User {}", n)});
  }
  for (std::size_t from = 0; from < ids.size(); from += 7) {
    const std::vector<std::string> batch(ids.begin() + static_cast<std::ptrdiff_t>(from),
                                         ids.begin() + static_cast<std::ptrdiff_t>(std::min(from + 7, ids.size())));
    run_coro(io_, names_->names(batch));
  }
  ASSERT_EQ(lookups().size(), 6u);
  std::vector<std::string> upper;
  for (const auto& id : ids) {
    std::string u = id;
    std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    upper.push_back(std::move(u));
  }
  const auto all = run_coro(io_, names_->names(upper));
  EXPECT_EQ(lookups().size(), 6u) << "every id is cached, whatever its case";
  ASSERT_EQ(all.size(), ids.size());
  for (int i = 0; i < 40; ++i) {
    const int n = (i * 17) % 40;
    EXPECT_EQ(all.at(ids[static_cast<std::size_t>(i)]), fmt::format("User {}", n));
  }
}

awaitable<std::tuple<std::map<std::string, std::string>, std::map<std::string, std::string>>> two_at_once(
    principal_names& names, std::vector<std::string> first, std::vector<std::string> second) {
  using namespace boost::asio::experimental::awaitable_operators;
  co_return co_await (names.names(std::move(first)) && names.names(std::move(second)));
}

TEST_F(principal_names_test, two_lookups_in_flight_for_one_id_leave_one_cache_entry) {
  const auto [a, b] =
      run_coro(io_, two_at_once(*names_, {std::string(alice), std::string(nobody)}, {std::string(alice)}));
  EXPECT_EQ(a.at(std::string(alice)), "Alice Example");
  EXPECT_EQ(b.at(std::string(alice)), "Alice Example");
  EXPECT_EQ(lookups().size(), 2u) << "neither call had the name cached when it asked";

  const auto later = run_coro(io_, names_->names({std::string(alice), std::string(nobody)}));
  EXPECT_EQ(later, (std::map<std::string, std::string>{{std::string(alice), "Alice Example"}}));
  EXPECT_EQ(lookups().size(), 2u);
  // One entry, not two with different expiries: after the name's six hours it is asked once more.
  wall_.advance(6h + 1min);
  run_coro(io_, names_->names({std::string(alice)}));
  ASSERT_EQ(lookups().size(), 3u);
  EXPECT_EQ(asked(lookups()[2]), json::array({alice}));
}

TEST_F(principal_names_test, names_gives_a_map_of_the_known_ones_and_never_fails) {
  auto known = run_coro(io_, names_->names({std::string(alice), std::string(nobody), "not-a-guid"}));
  EXPECT_EQ(known, (std::map<std::string, std::string>{{std::string(alice), "Alice Example"}}));

  fake::fault f;
  f.route = fake::azure_route::directory_objects;
  f.kind = fake::fault_kind::garbage;
  f.count = std::nullopt;
  azure_->inject_fault(f);
  auto partly = run_coro(io_, names_->names({std::string(alice), std::string(pipeline)}));
  EXPECT_EQ(partly, (std::map<std::string, std::string>{{std::string(alice), "Alice Example"}}))
      << "the cache still answers what it knows";
  ASSERT_TRUE(names_->last_error());
  EXPECT_EQ(names_->last_error()->kind, error_kind::parse);
}

TEST_F(principal_names_test, a_name_withheld_by_graph_is_said_once) {
  log_capture log;
  fake::fault f;
  f.route = fake::azure_route::directory_objects;
  f.kind = fake::fault_kind::wrong_types;
  f.field = "value[].displayName";
  f.count = 2;
  azure_->inject_fault(f);
  auto rows = resolved({row(alice)});
  EXPECT_FALSE(rows[0].principal.display_name);
  EXPECT_FALSE(names_->last_error()) << "an answer, just without a name";
  wall_.advance(61min);
  resolved({row(alice)});
  EXPECT_EQ(lookups().size(), 2u);
  EXPECT_EQ(log.lines_with("without a display name"), 1) << log.text();
}

}  // namespace
}  // namespace rootwatch::app
