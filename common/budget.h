// Budgets (DESIGN.md section 6).
//
// Grammar (k6-threshold style, written here above its parser):
//
//   budget := SERIES '=' NUMBER [SIZE_UNIT] '/' PER        slope ceiling
//           | SERIES '<=' NUMBER [SIZE_UNIT]               level ceiling
//           | SERIES '>=' DURATION                          endurance (DESIGN.md 9):
//                                                           must last D before its limit
//   PER    := 's' | 'm' | 'h' | 'd' | 'req'
//   SERIES := canonical name | alias | 'prom:' NAME ['{' labels '}']
//
// The operator is the first '<=', '>=' or '=' outside braces, so label matchers in
// a prom: series ("prom:x{a=\"b\"}") do not split the spec.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace soak {

enum class BudgetKind { kSlope, kLevel, kEndurance };
enum class BudgetPer { kSecond, kMinute, kHour, kDay, kRequest };

struct Budget {
  std::string spec;    // as written
  std::string target;  // series or alias as written ("rss", "prom:x{a=\"b\"}")
  BudgetKind kind = BudgetKind::kSlope;
  double limit = 0;    // base units; for slopes per `per`; endurance: seconds
  BudgetPer per = BudgetPer::kHour;

  bool per_request() const { return kind == BudgetKind::kSlope && per == BudgetPer::kRequest; }
  /// Slope limit converted to per hour (time slopes only).
  double limit_per_hour() const;
};

std::string_view to_string(BudgetPer p);  // "s", "m", "h", "d", "req"

/// Parses one budget. The error carries only the reason; callers prefix the
/// flag/config path and the spec (see units.h).
Result<Budget> parse_budget(std::string_view spec);

}  // namespace soak
