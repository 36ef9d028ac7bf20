// Body codecs of the wire protocol on their own (server/http/media.h, the
// functions the router calls): decode and encode of a submission (1 KB
// payload) and of a dossier with a full timeline (a status reply), in
// protobuf and in the protobuf JSON mapping, plus the journal's own encoding
// of a submission record. Items per second = messages per second on one
// core; bytes = the encoded size.
#include <benchmark/benchmark.h>

#include <string>

#include "proto/journal.pb.h"
#include "proto/nsw.pb.h"
#include "server/http/media.h"

namespace nsw::http {
namespace {

SubmitRequest MakeSubmit() {
  SubmitRequest submit;
  submit.set_procedure("MOIT.CO-FORM-D");
  submit.set_client_ref("r7f3a9c2e-000123456");
  submit.set_payload(std::string(1024, 'p'));
  submit.set_submitted_at_us(1577811600000000);
  return submit;
}

// A decided dossier with a fee and one supplement round: 10 transitions.
Dossier MakeDossier() {
  Dossier d;
  d.set_id(1234567);
  d.set_enterprise("0101234567");
  d.set_procedure("MOIT.CO-FORM-D");
  d.set_ministry("MOIT");
  d.set_client_ref("r7f3a9c2e-000123456");
  const DossierState states[] = {SUBMITTED, RECEIVED, FEE_NOTIFIED, FEE_PAID, QUEUED,
                                 IN_REVIEW, SUPPLEMENT_REQUESTED, QUEUED, IN_REVIEW, APPROVED};
  int64_t at = 1577811600000000;
  for (DossierState s : states) {
    Transition* t = d.add_timeline();
    t->set_state(s);
    t->set_at_us(at);
    at += 3600000000;
  }
  d.set_state(APPROVED);
  d.set_submitted_at_us(1577811600000000);
  d.set_deadline_us(1578070800000000);
  d.set_decided_at_us(at);
  d.set_payload_bytes(1024);
  d.set_sim_now_us(at + 1);
  return d;
}

Encoding EncodingArg(const benchmark::State& state) {
  return state.range(0) == 0 ? Encoding::kProtobuf : Encoding::kJson;
}

template <typename M>
void Decode(benchmark::State& state, const M& original) {
  const Encoding encoding = EncodingArg(state);
  std::string body;
  if (!EncodeMessage(original, encoding, &body).ok()) state.SkipWithError("encode failed");
  for (auto _ : state) {
    M m;
    if (!DecodeMessage(body, encoding, &m).ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
  state.SetLabel(std::string(EncodingName(encoding)));
}

template <typename M>
void Encode(benchmark::State& state, const M& message) {
  const Encoding encoding = EncodingArg(state);
  std::string body;
  for (auto _ : state) {
    if (!EncodeMessage(message, encoding, &body).ok()) state.SkipWithError("encode failed");
    benchmark::DoNotOptimize(body.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
  state.SetLabel(std::string(EncodingName(encoding)));
}

// Arg: 0 protobuf, 1 JSON.
void BM_DecodeSubmit(benchmark::State& state) { Decode(state, MakeSubmit()); }
void BM_EncodeSubmit(benchmark::State& state) { Encode(state, MakeSubmit()); }
void BM_DecodeDossier(benchmark::State& state) { Decode(state, MakeDossier()); }
void BM_EncodeDossier(benchmark::State& state) { Encode(state, MakeDossier()); }
BENCHMARK(BM_DecodeSubmit)->Arg(0)->Arg(1);
BENCHMARK(BM_EncodeSubmit)->Arg(0)->Arg(1);
BENCHMARK(BM_DecodeDossier)->Arg(0)->Arg(1);
BENCHMARK(BM_EncodeDossier)->Arg(0)->Arg(1);

// The journal record the sequencer builds from a submission, serialized as
// Journal::Append does, and parsed back as recovery does.
JournalRecord MakeRecord() {
  const SubmitRequest submit = MakeSubmit();
  JournalRecord r;
  r.set_sequence(123456);
  r.set_sim_time_us(submit.submitted_at_us());
  SubmissionRecord* s = r.mutable_submission();
  s->set_dossier_id(123456);
  s->set_enterprise("0101234567");
  s->set_procedure(submit.procedure());
  s->set_client_ref(submit.client_ref());
  s->set_payload(submit.payload());
  return r;
}

void BM_JournalRecordSerialize(benchmark::State& state) {
  const JournalRecord r = MakeRecord();
  std::string out;
  for (auto _ : state) {
    out.clear();
    r.AppendToString(&out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
}
BENCHMARK(BM_JournalRecordSerialize);

void BM_JournalRecordParse(benchmark::State& state) {
  const std::string bytes = MakeRecord().SerializeAsString();
  JournalRecord r;
  for (auto _ : state) {
    if (!r.ParseFromString(bytes)) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}
BENCHMARK(BM_JournalRecordParse);

}  // namespace
}  // namespace nsw::http
