#include "fake/fake_receiver.hpp"

#include "fake/server_thread.hpp"
#include "fake/standard_webhooks.hpp"
#include "net/tls.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include <fmt/format.h>

namespace rootwatch::fake {
namespace {

struct scripted {
  int remaining = 0;
  int status = 0;
  std::optional<seconds> retry_after;
  milliseconds delay{0};
};

net::server_response text(int status, std::string body) {
  net::server_response r;
  r.status = status;
  r.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  r.body = std::move(body);
  return r;
}

std::string path_of(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

}  // namespace

struct answer_rule {
  std::function<bool(const delivery&)> match;
  int status = 200;
  milliseconds delay{0};
};

struct fake_receiver::impl {
  receiver_options options;
  std::vector<answer_rule> rules;
  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::vector<delivery> deliveries;
  scripted failures;
  scripted delays;
  std::uint16_t port = 0;
  std::unique_ptr<server_thread> server;  // last: it stops and joins before the rest goes

  net::server_response handle(const net::server_request& req);
  void verify(delivery& d) const;
  net::server_response answer(delivery& d, std::optional<int> refused);
};

void fake_receiver::impl::verify(delivery& d) const {
  if (!options.secret) {
    return;
  }
  const auto id = d.header("webhook-id");
  const auto ts = d.header("webhook-timestamp");
  const auto sig = d.header("webhook-signature");
  if (!id || !ts || !sig) {
    d.signature_valid = false;
    d.signature_problem = "webhook-id, webhook-timestamp or webhook-signature is missing";
    return;
  }
  const auto verdict =
      verify_standard_webhook(*options.secret, *id, *ts, *sig, d.body, d.received_at, options.tolerance);
  d.signature_valid = verdict.valid;
  d.signature_problem = verdict.reason;
}

// Decides the answer, in this order: a scripted failure, a wrong path, a bad signature, a
// body that is not JSON, success. Called with the lock held.
net::server_response fake_receiver::impl::answer(delivery& d, std::optional<int> refused) {
  net::server_response r;
  const auto rule = std::find_if(rules.begin(), rules.end(), [&](const answer_rule& a) { return a.match(d); });
  if (failures.remaining > 0) {
    --failures.remaining;
    r = text(failures.status, "scripted failure\n");
    if (failures.retry_after) {
      r.headers.push_back({"Retry-After", std::to_string(failures.retry_after->count())});
    }
  } else if (rule != rules.end()) {
    r = text(rule->status, "answered by rule\n");
    r.delay = rule->delay;
  } else if (path_of(d.target) != options.path) {
    r = text(404, "no receiver at this path\n");
  } else if (d.signature_valid == false && options.reject_bad_signatures) {
    r = text(401, "signature does not verify: " + d.signature_problem + "\n");
  } else if (!d.body_json) {
    r = text(400, "body is not JSON\n");
  } else if (refused) {
    r = text(*refused, "refused by the test\n");
  } else if (options.success_status == 204) {
    r.status = 204;
  } else {
    r = text(options.success_status, "ok\n");
  }
  if (delays.remaining > 0) {
    --delays.remaining;
    r.delay = delays.delay;
  }
  return r;
}

net::server_response fake_receiver::impl::handle(const net::server_request& req) {
  if (req.method != "POST") {
    return text(405, "only POST\n");
  }
  delivery d;
  d.method = req.method;
  d.target = req.target;
  d.headers = req.headers;
  d.body = req.body;
  d.client_common_name = req.peer_common_name;
  d.received_at = std::chrono::system_clock::now();
  json parsed = json::parse(req.body, nullptr, false);
  if (!parsed.is_discarded()) {
    d.body_json = std::move(parsed);
  }
  verify(d);
  if (options.before_record) {
    options.before_record(d);
  }
  const std::optional<int> refused = options.admit ? options.admit(d) : std::nullopt;
  net::server_response r;
  {
    const std::lock_guard lock(mutex);
    r = answer(d, refused);
    d.status = r.status;
    deliveries.push_back(d);
  }
  changed.notify_all();
  if (options.on_delivery) {
    options.on_delivery(d);
  }
  return r;
}

fake_receiver::fake_receiver(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

fake_receiver::~fake_receiver() {
  stop();
}

result<std::unique_ptr<fake_receiver>> fake_receiver::start(receiver_options options) {
  if (options.secret && !webhook_key(*options.secret)) {
    return make_error(error_kind::config, "fake receiver: the secret must be whsec_ followed by base64");
  }
  if (!options.path.starts_with('/')) {
    return make_error(error_kind::config, "fake receiver: the path must start with '/'");
  }
  auto tls = net::server_tls::from_pem(options.certificate.cert_pem, options.certificate.key_pem);
  if (!tls) {
    return with_context(tls.error(), "fake receiver");
  }
  if (options.client_ca_pem) {
    if (auto required = (*tls)->require_client_certificates(*options.client_ca_pem); !required) {
      return with_context(required.error(), "fake receiver");
    }
  }
  auto p = std::make_unique<impl>();
  net::server_options server;
  server.address = options.address;
  server.port = options.port;
  server.tls = *tls;
  p->options = std::move(options);
  auto* raw = p.get();
  auto started =
      server_thread::start(std::move(server), [raw](const net::server_request& r) { return raw->handle(r); });
  if (!started) {
    return with_context(started.error(), "fake receiver");
  }
  p->port = (*started)->port();
  p->server = std::move(*started);
  return std::unique_ptr<fake_receiver>(new fake_receiver(std::move(p)));
}

std::string fake_receiver::url() const {
  return fmt::format("https://{}:{}{}", impl_->options.address, impl_->port, impl_->options.path);
}

std::uint16_t fake_receiver::port() const {
  return impl_->port;
}

void fake_receiver::fail_next(int n, int status, std::optional<seconds> retry_after) {
  const std::lock_guard lock(impl_->mutex);
  impl_->failures = {n, status, retry_after, milliseconds(0)};
}

void fake_receiver::answer_when(std::function<bool(const delivery&)> match, int status, milliseconds delay) {
  const std::lock_guard lock(impl_->mutex);
  impl_->rules.push_back(answer_rule{std::move(match), status, delay});
}

void fake_receiver::clear_rules() {
  const std::lock_guard lock(impl_->mutex);
  impl_->rules.clear();
}

void fake_receiver::delay_next(int n, milliseconds delay) {
  const std::lock_guard lock(impl_->mutex);
  impl_->delays = {n, 0, std::nullopt, delay};
}

std::vector<delivery> fake_receiver::deliveries() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->deliveries;
}

void fake_receiver::clear() {
  const std::lock_guard lock(impl_->mutex);
  impl_->deliveries.clear();
}

bool fake_receiver::wait_for(const std::function<bool(const std::vector<delivery>&)>& done,
                             milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] { return done(impl_->deliveries); });
}

bool fake_receiver::wait_for_count(std::size_t n, milliseconds timeout) const {
  return wait_for([n](const std::vector<delivery>& d) { return d.size() >= n; }, timeout);
}

void fake_receiver::stop() {
  if (impl_->server) {
    impl_->server->stop();
  }
}

}  // namespace rootwatch::fake
