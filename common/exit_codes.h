// Exit codes of the soak binary (DESIGN.md section 3), in one place.
#pragma once

namespace soak::exit_code {

inline constexpr int kPass = 0;          // every budget passed (inconclusive passes unless --strict)
inline constexpr int kBudgetFailed = 1;  // at least one budget exceeded
inline constexpr int kUsage = 2;         // usage or configuration error; nothing launched
inline constexpr int kSutFailed = 3;     // could not start, never ready, exited or killed
inline constexpr int kInconclusive = 4;  // inconclusive under --strict
inline constexpr int kInternal = 5;      // internal error of the harness
inline constexpr int kInterrupted = 130; // SIGINT/SIGTERM; partial results written

}  // namespace soak::exit_code
