// Erlang C: the M/M/c queue's probability of waiting and mean wait in queue
// (DOMAIN.md "Queueing check"), for c servers of rate mu each and Poisson
// arrivals of rate lambda. The simulation is checked against it
// (tests/server/erlang_c_test.cc) and the dashboard shows it beside the
// measured wait. Plain functions, no state: safe from any thread.
#ifndef NSW_SERVER_DOMAIN_ERLANG_C_H_
#define NSW_SERVER_DOMAIN_ERLANG_C_H_

namespace nsw {

struct ErlangCPrediction {
  double offered_load = 0;  // a = lambda / mu, in Erlangs
  double utilisation = 0;   // rho = a / c
  double p_wait = 0;        // C(c, a): probability that an arrival waits
  double mean_wait = 0;     // Wq = C / (c mu - lambda), in the unit of 1/mu
};

// False (and *out untouched) where the model has no steady state or no
// meaning: c < 1, mu <= 0, lambda < 0, a non-finite input, or utilisation
// >= 1 (the queue grows without bound). lambda = 0 gives p_wait = 0.
bool ErlangC(double lambda, double mu, int servers, ErlangCPrediction* out);

}  // namespace nsw

#endif  // NSW_SERVER_DOMAIN_ERLANG_C_H_
