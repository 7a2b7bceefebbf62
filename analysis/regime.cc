#include "analysis/regime.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <boost/math/distributions/fisher_f.hpp>

#include "analysis/mann_kendall.h"
#include "analysis/slope_fit.h"
#include "analysis/stats.h"
#include "analysis/theil_sen.h"
#include "analysis/warmup.h"

namespace soak::analysis {

std::string_view window_name(int w) {
  switch (w) {
    case 0: return "whole";
    case 1: return "last 1/2";
    default: return "last 1/3";
  }
}

std::string_view regime_name(const Regime& r) {
  return r.since_step ? "since the step" : r.since_knee ? "since the slowdown" : window_name(r.window);
}

double window_share(int w) { return w <= 0 ? 1.0 : w == 1 ? 0.5 : 1.0 / 3.0; }

namespace {
double window_start(double from_s, double to_s, int w) { return from_s + (1 - window_share(w)) * (to_s - from_s); }

// Whether n points can ever reject at one-sided level a with the exact test.
bool can_reject(size_t n, double a) {
  if (n < 3) return false;
  if (n > kExactMaxN) return true;
  const double N = static_cast<double>(n) * static_cast<double>(n - 1) / 2;
  return mk_exact_critical(n, a) <= N;
}

struct Line {
  double sse = 0;
  std::vector<double> resid;
};

Line ols_line(std::span<const double> t, std::span<const double> v) {
  Line l;
  OlsFit f = ols(t, v);
  l.resid.resize(t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    l.resid[i] = v[i] - f.intercept - f.slope * t[i];
    l.sse += l.resid[i] * l.resid[i];
  }
  return l;
}
}  // namespace

size_t window_first(std::span<const double> t, double from_s, double to_s, int w) {
  double s = window_start(from_s, to_s, w);
  return static_cast<size_t>(std::lower_bound(t.begin(), t.end(), s) - t.begin());
}

int eligible_windows(std::span<const double> t, double from_s, double to_s, double alpha) {
  for (int m = kWindows; m > 1; --m) {
    size_t n = t.size() - window_first(t, from_s, to_s, m - 1);
    if (n >= kMinTailPoints && can_reject(n, alpha / m)) return m;
  }
  return 1;
}

double chow_p(std::span<const double> t, std::span<const double> v, double split_s) {
  const size_t n = std::min(t.size(), v.size());
  const size_t k = static_cast<size_t>(std::lower_bound(t.begin(), t.begin() + static_cast<long>(n), split_s) - t.begin());
  if (k < 3 || n - k < 3 || n < 8) return 1;
  // Centre time for numerical stability.
  std::vector<double> tc(t.begin(), t.begin() + static_cast<long>(n));
  const double t0 = tc.front();
  for (double& x : tc) x -= t0;
  std::span<const double> tt(tc), vv = v.first(n);
  Line one = ols_line(tt, vv);
  Line a = ols_line(tt.first(k), vv.first(k));
  Line b = ols_line(tt.subspan(k), vv.subspan(k));
  // Only a material change counts: slopes that differ by under a quarter of
  // the larger one are one regime, however precisely a long run measures
  // the difference.
  const double sa = ols(tt.first(k), vv.first(k)).slope, sb = ols(tt.subspan(k), vv.subspan(k)).slope;
  if (std::fabs(sb - sa) < kMaterialChange * std::max(std::fabs(sa), std::fabs(sb))) return 1;
  // The noise scale and its autocorrelation come from the later segment
  // alone (the candidate final regime). Under H0 (one line throughout) both
  // segments hold the same noise, so this is still an F(2, n_b - 2) test;
  // under the alternatives it is meant to catch, the earlier segment holds a
  // step or a knee that its own line cannot fit, and pooling its residuals
  // would read that misfit as noise and as autocorrelation, hiding the very
  // change being tested for.
  const size_t nb = n - k;
  if (nb < 4) return 1;
  const double df2 = static_cast<double>(nb) - 2;
  const double sse2 = a.sse + b.sse;
  if (!(b.sse > 0)) return one.sse > sse2 ? 0 : 1;
  double f = ((one.sse - sse2) / 2) / (b.sse / df2);
  if (!(f > 0)) return 1;
  // Autocorrelation inflates F's variance: deflate by the AR(1) factor
  // (bias-corrected from kMinPhiPoints on).
  const double phi_c = corrected_phi(autocorrelation(b.resid, 1), nb);
  f /= (1 + phi_c) / (1 - phi_c);
  boost::math::fisher_f_distribution<double> dist(2, df2);
  return boost::math::cdf(boost::math::complement(dist, f));
}

double shift_slope_change_p(std::span<const double> t, std::span<const double> v, size_t split) {
  const size_t n = std::min(t.size(), v.size());
  if (split < 3 || n < split + 3) return 1;
  // Two lines.
  Line a = ols_line(t.first(split), v.first(split));
  Line b = ols_line(t.subspan(split, n - split), v.subspan(split, n - split));
  std::vector<double> resid = a.resid;
  resid.insert(resid.end(), b.resid.begin(), b.resid.end());
  const double sse2 = a.sse + b.sse;
  // One slope, two levels: OLS within the sides.
  const double mt1 = mean(t.first(split)), mv1 = mean(v.first(split));
  const double mt2 = mean(t.subspan(split, n - split)), mv2 = mean(v.subspan(split, n - split));
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < n; ++i) {
    const double dt = t[i] - (i < split ? mt1 : mt2), dv = v[i] - (i < split ? mv1 : mv2);
    sxx += dt * dt;
    sxy += dt * dv;
  }
  if (!(sxx > 0)) return 1;
  const double slope = sxy / sxx;
  double sse1 = 0;
  for (size_t i = 0; i < n; ++i) {
    const double e = v[i] - (i < split ? mv1 : mv2) - slope * (t[i] - (i < split ? mt1 : mt2));
    sse1 += e * e;
  }
  const double df2 = static_cast<double>(n) - 4;
  if (!(sse2 > 0)) return sse1 > sse2 ? 0 : 1;
  double f = (sse1 - sse2) / (sse2 / df2);
  if (!(f > 0)) return 1;
  const double phi_c = corrected_phi(autocorrelation(resid, 1), n);
  f /= (1 + phi_c) / (1 - phi_c);
  boost::math::fisher_f_distribution<double> dist(1, df2);
  return boost::math::cdf(boost::math::complement(dist, f));
}

Jump dominant_jump(std::span<const double> v, size_t last) {
  Jump j;
  const size_t n = v.size();
  if (last >= n || last < 2) return j;
  std::vector<double> d;
  double big = 0;
  for (size_t i = 0; i < last; ++i) {
    d.push_back(v[i + 1] - v[i]);
    if (std::fabs(d.back()) > std::fabs(big)) {
      big = d.back();
      j.at = i + 1;
    }
  }
  auto level = [&](size_t from, size_t to) {  // median of v[from, to)
    std::vector<double> s(v.begin() + static_cast<long>(from), v.begin() + static_cast<long>(std::min(to, n)));
    return median(s);
  };
  const double total = level(last, last + 3) - level(0, std::min<size_t>(3, last));
  std::vector<double> dev;
  const double md = median(d);
  for (double x : d) dev.push_back(std::fabs(x - md));
  const double noise = 1.4826 * median(dev);
  j.found = std::fabs(big) >= 0.6 * std::fabs(total) && std::fabs(big) > 4 * noise &&
            std::signbit(big) == std::signbit(total);
  j.amount = big;
  return j;
}

Regime select_regime(std::span<const double> t, std::span<const double> v, double from_s, double to_s,
                     double alpha, bool tails) {
  Regime r;
  const size_t n = std::min(t.size(), v.size());
  t = t.first(n);
  v = v.first(n);
  r.windows = eligible_windows(t, from_s, to_s, alpha);
  r.window = r.windows - 1;
  double smallest_p = 1;
  if (!tails) r.window = 0;
  for (int w = 0; tails && w < r.windows; ++w) {
    size_t first = window_first(t, from_s, to_s, w);
    bool linear = true;
    for (int j = w + 1; j < r.windows; ++j) {
      double p = chow_p(t.subspan(first), v.subspan(first), window_start(from_s, to_s, j));
      if (p < kChangeLevel) {
        linear = false;
        smallest_p = std::min(smallest_p, p);
      }
    }
    if (linear) {
      r.window = w;
      break;
    }
  }
  r.change_p = smallest_p;
  r.first = window_first(t, from_s, to_s, r.window);
  r.start_s = window_start(from_s, to_s, r.window);
  // A dominant jump is described ("a one-off step of ...") and, when the
  // data from the second point after it (the point right after it was
  // picked for its jump) is longer than the window and holds enough points,
  // judged from there: a step one jump apart from the rest is no trend, and
  // the data after it is the final regime. With one window (too few points
  // for tail windows), the jump is sought inside it.
  auto describe = [&](const Jump& j) {
    r.step = true;
    r.step_amount = j.amount;
    r.step_index = j.at;
    r.step_at_s = (t[j.at - 1] + t[j.at]) / 2;  // between the points around the jump (to within a block)
  };
  auto start_after = [&](const Jump& j) {
    r.since_step = true;
    r.first = j.at + 1;
    r.start_s = t[r.first];
  };
  auto judge_since = [&](const Jump& j) {
    const size_t from = j.at + 1;
    if (!((r.window == 0 || from < r.first) && n - from >= kMinPointsAfterStep)) return false;
    start_after(j);
    return true;
  };
  if (tails && r.windows == 1 && n >= 2 * kMinPointsAfterStep) {
    if (Jump j = dominant_jump(v, n - 3); j.found && judge_since(j)) {
      describe(j);
      return r;
    }
    // No step: a slowdown, dated by the one-knee fit, that one line cannot
    // carry (Chow at the knee). Only a slowdown: judging since it never
    // judges a steeper stretch than the whole window.
    KneeFit k = best_knee(t, v, t.front(), t.back());
    if (k.ok && k.b2 < k.b1 && chow_p(t, v, k.c) < kChangeLevel) {
      const size_t from = static_cast<size_t>(std::upper_bound(t.begin(), t.end(), k.c) - t.begin());
      if (n - from >= kMinPointsAfterStep) {
        r.since_knee = true;
        r.first = from;
        r.start_s = t[from];
        r.change_at_s = k.c;
        r.early_slope_per_h = k.b1 * 3600;
        r.late_slope_per_h = std::numeric_limits<double>::quiet_NaN();
      }
    }
    return r;
  }
  // The selected window holds a dominant jump (a step late in the run, which
  // the Chow tests take for the later segment's noise): judged since it,
  // like a step before the window.
  if (r.window > 0 && r.first < n && n >= 3) {
    if (Jump j = dominant_jump(v, n - 3); j.found && j.at >= r.first && n - (j.at + 1) >= kMinPointsAfterStep) {
      describe(j);
      start_after(j);
      return r;
    }
  }
  if (r.window == 0 || r.first == 0 || r.first >= n) return r;

  // What came before: one jump carrying most of the change, or a slope.
  std::vector<double> early_h;
  for (size_t i = 0; i < r.first; ++i) early_h.push_back(t[i] / 3600.0);
  if (r.first >= 2) r.early_slope_per_h = theil_sen(early_h, v.first(r.first)).slope;
  // A jump into the window's first point counts.
  if (Jump j = dominant_jump(v, std::min(r.first, n - 1)); j.found) {
    describe(j);
    judge_since(j);
    return r;
  }
  // A change of slope: date it and measure both slopes with the continuous
  // one-knee fit over the whole post-warm-up data (descriptive only: the
  // verdict is the selected window's).
  r.change_at_s = r.start_s;
  r.late_slope_per_h = std::numeric_limits<double>::quiet_NaN();
  KneeFit k = best_knee(t, v, t.front(), t.back());
  if (k.ok) {
    r.change_at_s = k.c;
    r.early_slope_per_h = k.b1 * 3600;
    r.late_slope_per_h = k.b2 * 3600;
  }
  return r;
}

}  // namespace soak::analysis
