// Graph directoryObjects/getByIds against the fake Azure: what is asked (a POST with the ids
// and types, a token), ids it does not know left out, chunks of at most 1000 ids, non-GUIDs
// and duplicates never sent, 403 naming the permission to grant, 429 waited out with its
// Retry-After, and one token renewal after a 401.

#include "azure/directory_objects_client.hpp"
#include "azure/entra_audit_parse.hpp"
#include "common/json.hpp"
#include "common/text.hpp"
#include "support/azure_api_env.hpp"
#include "support/directory_principals.hpp"
#include "support/run_coro.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace rootwatch::azure {
namespace {

using testing_support::run_coro;
using namespace std::chrono_literals;
using namespace testing_support::principals;

// A GUID per number, for long lists.
std::string guid(std::size_t n) {
  return fmt::format("00000000-0000-4000-8000-{:012x}", n);
}

class directory_objects_client_test : public testing_support::azure_api_env {
 protected:
  void SetUp() override {
    azure_api_env::SetUp();
    // The fake serves Graph on its one base URL.
    options_ = fast_options<directory_objects_options>(graph_scope(azure_->base_url()));
    testing_support::principals::add_to(*azure_);
    make_client();
  }

  void make_client() {
    client_ = std::make_unique<directory_objects_client>(*http_, *tokens_, options_, random_, wall_);
  }

  std::vector<fake::recorded_request> object_requests() const {
    return requests_on(fake::azure_route::directory_objects);
  }

  directory_objects_options options_;
  std::unique_ptr<directory_objects_client> client_;
};

TEST_F(directory_objects_client_test, posts_the_ids_and_leaves_out_what_graph_does_not_know) {
  auto found = run_coro(io_, client_->get_by_ids({std::string(alice), std::string(pipeline), std::string(nobody),
                                                  std::string(testing_support::test_app_object_id)}));
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 3u);
  std::map<std::string, directory_object> by_id;
  for (const auto& o : *found) {
    by_id.emplace(o.id, o);
  }
  EXPECT_EQ(by_id.count(std::string(nobody)), 0u);
  EXPECT_EQ(by_id.at(std::string(alice)).display_name, "Alice Example");
  EXPECT_EQ(by_id.at(std::string(alice)).type, "User");
  EXPECT_EQ(by_id.at(std::string(alice)).user_principal_name, "alice@contoso.example");
  EXPECT_EQ(by_id.at(std::string(pipeline)).display_name, "deploy-pipeline");
  EXPECT_EQ(by_id.at(std::string(pipeline)).type, "ServicePrincipal");
  EXPECT_EQ(by_id.at(std::string(testing_support::test_app_object_id)).display_name, "rootwatch");

  const auto sent = object_requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "POST");
  EXPECT_EQ(sent[0].target, "/v1.0/directoryObjects/getByIds");
  EXPECT_EQ(sent[0].status, 200);
  const json body = json::parse(sent[0].body);
  EXPECT_EQ(body.at("ids").size(), 4u);
  EXPECT_EQ(body.at("types"), json::array({"user", "group", "servicePrincipal"}));
  const auto auth = net::find_header(sent[0].headers, "Authorization");
  ASSERT_TRUE(auth);
  EXPECT_TRUE(auth->starts_with("Bearer "));
}

TEST_F(directory_objects_client_test, never_sends_a_non_guid_or_a_duplicate_and_nothing_for_no_ids) {
  auto found = run_coro(io_, client_->get_by_ids({"{objectID}", "", std::string(alice),
                                                  "5C1E7A52-3F0B-4D8E-9A61-2B7C4E9F0D13", "not-a-guid"}));
  ASSERT_TRUE(found) << found.error().message << ": one bad id would fail Graph's whole request";
  ASSERT_EQ(found->size(), 1u);
  const auto sent = object_requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(json::parse(sent[0].body).at("ids"), json::array({alice}));

  azure_->clear_requests();
  auto none = run_coro(io_, client_->get_by_ids({"not-a-guid"}));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(object_requests().empty()) << "no request without an id to ask for";
}

TEST_F(directory_objects_client_test, more_than_1000_ids_go_in_chunks_of_at_most_1000) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < 2345; ++i) {
    ids.push_back(guid(i));
  }
  ids.push_back(std::string(alice));  // the last chunk
  auto found = run_coro(io_, client_->get_by_ids(ids));
  ASSERT_TRUE(found) << found.error().message << ": the fake refuses more than 1000 ids";
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().display_name, "Alice Example");
  const auto sent = object_requests();
  ASSERT_EQ(sent.size(), 3u);
  std::vector<std::size_t> sizes;
  for (const auto& r : sent) {
    sizes.push_back(json::parse(r.body).at("ids").size());
    EXPECT_EQ(r.status, 200);
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1000, 1000, 346}));
}

TEST_F(directory_objects_client_test, a_403_names_the_permission_to_grant) {
  azure_->set_directory_objects_denied(true);
  auto found = run_coro(io_, client_->get_by_ids({std::string(alice)}));
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().kind, error_kind::permission);
  EXPECT_EQ(found.error().http_status, 403);
  EXPECT_FALSE(found.error().retryable);
  const auto& m = found.error().message;
  EXPECT_NE(m.find("Authorization_RequestDenied"), std::string::npos) << m;
  EXPECT_NE(m.find("Directory.Read.All"), std::string::npos) << m;
  EXPECT_NE(m.find("User.Read.All"), std::string::npos) << m;
  EXPECT_EQ(object_requests().size(), 1u) << "a 403 is never retried";
}

TEST_F(directory_objects_client_test, a_429_is_waited_out_then_answered) {
  fake::fault f;
  f.route = fake::azure_route::directory_objects;
  f.kind = fake::fault_kind::status;
  f.status = 429;
  f.code = "TooManyRequests";
  f.retry_after_seconds = 1;
  azure_->inject_fault(f);
  auto found = run_coro(io_, client_->get_by_ids({std::string(alice)}));
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 1u);
  const auto sent = object_requests();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].status, 429);
  EXPECT_EQ(sent[1].status, 200);
}

TEST_F(directory_objects_client_test, a_throttling_that_lasts_is_a_retryable_error) {
  fake::fault f;
  f.route = fake::azure_route::directory_objects;
  f.kind = fake::fault_kind::status;
  f.status = 503;
  f.count = std::nullopt;
  azure_->inject_fault(f);
  auto found = run_coro(io_, client_->get_by_ids({std::string(alice)}));
  ASSERT_FALSE(found);
  EXPECT_TRUE(found.error().retryable);
  EXPECT_EQ(found.error().http_status, 503);
  EXPECT_EQ(object_requests().size(), 3u) << "the policy's three attempts";
}

TEST_F(directory_objects_client_test, a_401_renews_the_token_once) {
  ASSERT_TRUE(run_coro(io_, client_->get_by_ids({std::string(alice)})));
  azure_->expire_tokens();
  const auto fetches = tokens_->fetches();
  auto found = run_coro(io_, client_->get_by_ids({std::string(alice)}));
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->size(), 1u);
  EXPECT_EQ(tokens_->fetches(), fetches + 1);
}

TEST_F(directory_objects_client_test, an_answer_of_the_wrong_shape_is_a_parse_error) {
  fake::fault f;
  f.route = fake::azure_route::directory_objects;
  f.kind = fake::fault_kind::wrong_shape;
  azure_->inject_fault(f);
  auto found = run_coro(io_, client_->get_by_ids({std::string(alice)}));
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().kind, error_kind::parse);

  // A name of the wrong type is no name, not an error.
  f.kind = fake::fault_kind::wrong_types;
  f.field = "value[].displayName";
  azure_->inject_fault(f);
  auto tolerated = run_coro(io_, client_->get_by_ids({std::string(alice)}));
  ASSERT_TRUE(tolerated) << tolerated.error().message;
  ASSERT_EQ(tolerated->size(), 1u);
  EXPECT_FALSE(tolerated->front().display_name);

  // Bytes that are not UTF-8 in a name lose that much of the name, not every name.
  f.kind = fake::fault_kind::invalid_utf8;
  azure_->inject_fault(f);
  auto spoilt = run_coro(io_, client_->get_by_ids({std::string(alice)}));
  ASSERT_TRUE(spoilt) << spoilt.error().message;
  ASSERT_EQ(spoilt->size(), 1u);
  ASSERT_TRUE(spoilt->front().display_name);
  EXPECT_TRUE(spoilt->front().display_name->starts_with("Alice Example"));
  EXPECT_TRUE(is_valid_utf8(*spoilt->front().display_name));
}

}  // namespace
}  // namespace rootwatch::azure
