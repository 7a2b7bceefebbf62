// Result<T> and Status: the error channel across module boundaries.
//
// No exceptions cross a module boundary (STYLE.md). A failing function returns
// an Error whose message names the input and the reason; main() maps it to an
// exit code once. g++ 12 has no std::expected, hence this small type.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace soak {

/// A failure with a message a person can act on ("--budget \"x\": ...").
struct Error {
  std::string message;
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }
  const std::string& message() const { return error().message; }

 private:
  std::variant<T, Error> v_;
};

/// Result without a value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error.message)), failed_(true) {}  // NOLINT
  static Status Ok() { return Status(); }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string& message() const { return error_; }
  Error error() const { return Error{error_}; }

 private:
  std::string error_;
  bool failed_ = false;
};

}  // namespace soak

/// Propagate a failed Result/Status from the enclosing function.
#define SOAK_TRY(expr)                                  \
  do {                                                  \
    auto&& soak_try_r_ = (expr);                        \
    if (!soak_try_r_.ok()) return soak_try_r_.error();  \
  } while (0)
