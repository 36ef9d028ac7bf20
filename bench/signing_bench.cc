// Micro-benchmarks of NSW1-HMAC-SHA256 (client/signing.h): signing as the
// load generator does (cached enterprise keys), the server's two-phase
// verification, enterprise key derivation and query canonicalization.
// Items per second = signatures (or verifications) per second on one core.
#include <benchmark/benchmark.h>

#include <string>

#include "client/signing.h"

namespace nsw::auth {
namespace {

Key BenchMaster() {
  Key key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
  return key;
}

constexpr int64_t kTs = 1'700'000'000;

void BM_Sign(benchmark::State& state) {
  Signer signer = Signer::FromEnterpriseRoot(DeriveEnterpriseRoot(BenchMaster()));
  std::string body(static_cast<size_t>(state.range(0)), 'p');
  RequestParts parts{"POST", "/v1/dossiers", "127.0.0.1:8080", "application/x-protobuf", body};
  std::string_view name;
  std::string value;
  for (auto _ : state) {
    Status s = signer.Sign("0101234567", kTs, parts, &name, &value);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(value.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Sign)->Arg(0)->Arg(256)->Arg(4096)->Arg(65536);

void BM_SignManyEnterprises(benchmark::State& state) {
  // 38,000 enterprises as in the default trace: the cache is warm after the
  // first lap, as in a long replay.
  Signer signer = Signer::FromEnterpriseRoot(DeriveEnterpriseRoot(BenchMaster()));
  std::vector<std::string> codes;
  for (int i = 0; i < 38000; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%010d", 100000000 + i);
    codes.emplace_back(buf);
  }
  std::string body(256, 'p');
  RequestParts parts{"POST", "/v1/dossiers", "127.0.0.1:8080", "application/x-protobuf", body};
  std::string_view name;
  std::string value;
  size_t i = 0;
  for (auto _ : state) {
    Status s = signer.Sign(codes[i], kTs, parts, &name, &value);
    benchmark::DoNotOptimize(s);
    if (++i == codes.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignManyEnterprises);

void BM_Verify(benchmark::State& state) {
  Key master = BenchMaster();
  Signer signer = Signer::FromMaster(master);
  Verifier verifier = Verifier::FromMaster(master);
  std::string body(static_cast<size_t>(state.range(0)), 'p');
  RequestParts parts{"POST", "/v1/dossiers", "127.0.0.1:8080", "application/x-protobuf", body};
  std::string_view name;
  std::string header;
  if (!signer.Sign("0101234567", kTs, parts, &name, &header).ok()) state.SkipWithError("sign failed");
  for (auto _ : state) {
    PendingAuth pending;
    AuthVerdict a = verifier.CheckHeaders(header, "", kTs + 1, &pending);
    AuthVerdict b = verifier.CheckSignature(pending, parts);
    if (!a.ok() || !b.ok()) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Verify)->Arg(0)->Arg(256)->Arg(4096)->Arg(65536);

void BM_VerifyHeadersOnly(benchmark::State& state) {
  Key master = BenchMaster();
  Verifier verifier = Verifier::FromMaster(master);
  std::string header = FormatAuthorizationHeader(AuthHeader{"0101234567", kTs, std::string(64, 'a')});
  for (auto _ : state) {
    PendingAuth pending;
    AuthVerdict a = verifier.CheckHeaders(header, "", kTs, &pending);
    benchmark::DoNotOptimize(a);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyHeadersOnly);

void BM_DeriveEnterpriseKey(benchmark::State& state) {
  Key root = DeriveEnterpriseRoot(BenchMaster());
  for (auto _ : state) {
    Key k = DeriveEnterpriseKey(root, "0101234567");
    benchmark::DoNotOptimize(k);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeriveEnterpriseKey);

void BM_CanonicalQuery(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    Status s = CanonicalQuery("client_ref=run-7f3a%2F000123&limit=10&a=%7e", &out);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CanonicalQuery);

}  // namespace
}  // namespace nsw::auth
