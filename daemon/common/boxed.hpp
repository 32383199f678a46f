#pragma once

#include <memory>
#include <optional>
#include <utility>

namespace rootwatch {

// An optional value kept behind a pointer: one pointer wide when empty, where std::optional
// is as wide as the value. For large members that are seldom set in records kept by the
// thousand (an actor is four optional strings, 168 bytes, and is unknown for most tracked
// assignments). Copies are deep and == compares values, as with std::optional.
template <class T>
class boxed {
 public:
  boxed() = default;
  boxed(std::nullopt_t) {}                                           // NOLINT: as std::optional converts
  boxed(T value) : value_(std::make_unique<T>(std::move(value))) {}  // NOLINT
  boxed(const std::optional<T>& value) : value_(value ? std::make_unique<T>(*value) : nullptr) {}        // NOLINT
  boxed(std::optional<T>&& value) : value_(value ? std::make_unique<T>(std::move(*value)) : nullptr) {}  // NOLINT
  boxed(const boxed& other) : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
  boxed(boxed&&) noexcept = default;
  boxed& operator=(const boxed& other) {
    if (this != &other) {
      value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
    }
    return *this;
  }
  boxed& operator=(boxed&&) noexcept = default;
  boxed& operator=(std::nullopt_t) {
    value_.reset();
    return *this;
  }
  ~boxed() = default;

  bool has_value() const { return value_ != nullptr; }
  explicit operator bool() const { return has_value(); }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return value_.get(); }
  const T* operator->() const { return value_.get(); }
  void reset() { value_.reset(); }
  template <class... Args>
  T& emplace(Args&&... args) {
    value_ = std::make_unique<T>(std::forward<Args>(args)...);
    return *value_;
  }

  operator std::optional<T>() const { return value_ ? std::optional<T>(*value_) : std::nullopt; }  // NOLINT

  friend bool operator==(const boxed& a, const boxed& b) {
    return a.has_value() == b.has_value() && (!a.has_value() || *a == *b);
  }

 private:
  std::unique_ptr<T> value_;
};

}  // namespace rootwatch
