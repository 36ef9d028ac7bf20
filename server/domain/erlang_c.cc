// Erlang C by the stable recursion of DOMAIN.md; see erlang_c.h. The
// recursion computes Erlang B (B0 = 1, Bk = a Bk-1 / (k + a Bk-1)) without
// factorials or powers, so it neither overflows nor loses precision for
// hundreds of servers; C follows from B.
#include "server/domain/erlang_c.h"

#include <cmath>

namespace nsw {

bool ErlangC(double lambda, double mu, int servers, ErlangCPrediction* out) {
  if (servers < 1 || !std::isfinite(lambda) || !std::isfinite(mu) || mu <= 0 || lambda < 0) return false;
  const double a = lambda / mu;
  const double c = static_cast<double>(servers);
  const double rho = a / c;
  if (!(rho < 1)) return false;
  double b = 1;
  for (int k = 1; k <= servers; ++k) b = a * b / (k + a * b);
  ErlangCPrediction p;
  p.offered_load = a;
  p.utilisation = rho;
  p.p_wait = b / (1 - rho * (1 - b));
  p.mean_wait = p.p_wait / (c * mu - lambda);
  *out = p;
  return true;
}

}  // namespace nsw
