// RunClientCli: the nsw-client command line (client/cli.h). Parses flags
// with CLI11 into an options struct, makes one blocking call through
// SyncNswClient, and prints the answer readably (a dossier's timeline, a
// per-ministry statistics table) or as protobuf JSON with --json.
#include "client/cli.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>
#include <google/protobuf/util/json_util.h>

#include "client/nsw_api.h"
#include "client/signing.h"
#include "proto/nsw.pb.h"
#include "proto/units.h"

namespace nsw::client {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct Options {
  std::string target = "http://127.0.0.1:8080";
  std::string key_file;
  bool json = false;
  std::string encoding = "protobuf";
  std::string timeout = "30s";
  bool insecure = false;
  std::string ca_file;

  std::string enterprise;
  uint64_t id = 0;
  std::string procedure;
  std::string client_ref;
  std::string payload;
  std::string payload_file;
  std::string payload_size;
  std::string at;
  bool procedures = false;  // stats: also the per-procedure table

  std::string clock_to;
  std::string clock_by;
  double clock_speed = 0;
};

// A usage problem found after CLI11 parsed: one line, exit 2.
struct UsageError {
  std::string message;
};

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) return "{}\n";
  return out;
}

std::string Instant(int64_t us) { return us == 0 ? "-" : FormatInstant(us); }

std::string Seconds(double seconds) {
  if (!(seconds > 0)) return "0s";
  return FormatDuration(static_cast<int64_t>(std::llround(seconds * 1e6)));
}

std::string Money(int64_t vnd) {
  std::string digits = std::to_string(vnd);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out + " VND";
}

void PrintDossier(std::FILE* out, const Dossier& d) {
  std::fprintf(out, "dossier %llu  %s  (enterprise %s, ref %s)\n", static_cast<unsigned long long>(d.id()),
              DossierState_Name(d.state()).c_str(), d.enterprise().c_str(), d.client_ref().c_str());
  std::fprintf(out, "  procedure  %s (%s)\n", d.procedure().c_str(), d.ministry().c_str());
  std::fprintf(out, "  submitted  %s\n", Instant(d.submitted_at_us()).c_str());
  if (d.deadline_us() != 0 || d.deadline_breached()) {
    std::fprintf(out, "  deadline   %s%s\n", Instant(d.deadline_us()).c_str(), d.deadline_breached() ? "  (breached)" : "");
  } else {
    std::fprintf(out, "  deadline   stopped (the enterprise is to act)\n");
  }
  if (d.decided_at_us() != 0) std::fprintf(out, "  decided    %s\n", Instant(d.decided_at_us()).c_str());
  std::fprintf(out, "  payload    %u bytes\n", d.payload_bytes());
  std::fprintf(out, "  timeline\n");
  for (const Transition& t : d.timeline()) {
    std::fprintf(out, "    %-27s %s\n", Instant(t.at_us()).c_str(), DossierState_Name(t.state()).c_str());
  }
  if (d.sim_now_us() != 0) std::fprintf(out, "  server sim time %s\n", Instant(d.sim_now_us()).c_str());
}

void PrintStatsTable(std::FILE* out, const char* title, const google::protobuf::RepeatedPtrField<GroupStats>& groups,
                     const GroupStats* total) {
  std::fprintf(out, "%-22s %9s %6s %9s %9s %9s %8s %8s %7s %8s %10s %10s %10s\n", title, "arrivals", "queue", "busy",
              "approved", "rejected", "suppl", "withdrn", "open", "breaches", "wait mean", "wait p99",
              "decide avg");
  auto row = [out](const GroupStats& g) {
    std::string busy = std::to_string(g.busy_officers()) + "/" + std::to_string(g.officers());
    std::fprintf(out, "%-22s %9llu %6llu %9s %9llu %9llu %8llu %8llu %7llu %8llu %10s %10s %10s\n", g.code().c_str(),
                static_cast<unsigned long long>(g.arrivals()), static_cast<unsigned long long>(g.queue_depth()),
                busy.c_str(), static_cast<unsigned long long>(g.approved()),
                static_cast<unsigned long long>(g.rejected()),
                static_cast<unsigned long long>(g.supplements_requested()),
                static_cast<unsigned long long>(g.withdrawn()), static_cast<unsigned long long>(g.open()),
                static_cast<unsigned long long>(g.deadline_breaches()), Seconds(g.wait().mean_seconds()).c_str(),
                Seconds(g.wait().p99_seconds()).c_str(), Seconds(g.time_to_decision().mean_seconds()).c_str());
  };
  for (const GroupStats& g : groups) row(g);
  if (total != nullptr) {
    GroupStats t = *total;
    if (t.code().empty()) t.set_code("TOTAL");
    row(t);
  }
}

void PrintStats(std::FILE* out, const Stats& s, bool procedures) {
  std::fprintf(out, "simulated time %s (clock %s, started %s)\n", Instant(s.sim_time_us()).c_str(), s.clock().c_str(),
              Instant(s.sim_start_us()).c_str());
  std::fprintf(out, "dossiers %llu, late arrivals %llu, refused (too far ahead) %llu\n\n",
              static_cast<unsigned long long>(s.dossiers()), static_cast<unsigned long long>(s.late_arrivals()),
              static_cast<unsigned long long>(s.refused_future()));
  PrintStatsTable(out, "ministry", s.ministries(), s.has_total() ? &s.total() : nullptr);
  if (procedures) {
    std::fprintf(out, "\n");
    PrintStatsTable(out, "procedure", s.procedures(), nullptr);
  }
}

void PrintCatalog(std::FILE* out, const nsw::CatalogProto& c) {
  std::fprintf(out, "catalog %s: %d ministries, %d procedures\n\n", c.name().c_str(), c.ministries_size(),
              c.procedures_size());
  std::fprintf(out, "%-8s %8s %-14s %s\n", "ministry", "officers", "calendar", "name");
  for (const Ministry& m : c.ministries()) {
    std::fprintf(out, "%-8s %8d %-14s %s\n", m.code().c_str(), m.officers(),
                m.calendar().kind() == Calendar::OFFICE_HOURS ? "office-hours" : "always", m.name().c_str());
  }
  std::fprintf(out, "\n%-28s %-18s %16s  %s\n", "procedure", "deadline", "fee", "name");
  for (const Procedure& p : c.procedures()) {
    std::ostringstream deadline;
    if (p.deadline().working_days() > 0) {
      deadline << p.deadline().working_days() << " working days";
    } else {
      deadline << p.deadline().working_hours() << " working hours";
    }
    std::fprintf(out, "%-28s %-18s %16s  %s\n", p.code().c_str(), deadline.str().c_str(),
                p.fee_vnd() > 0 ? Money(p.fee_vnd()).c_str() : "-", p.name().c_str());
  }
}

void PrintClock(std::FILE* out, const ClockReply& c) {
  std::fprintf(out, "clock %s: simulated time %s, %s, speed %g", c.clock().c_str(), Instant(c.sim_time_us()).c_str(),
              c.paused() ? "paused" : "running", c.speed());
  if (c.watermark_us() != 0) std::fprintf(out, ", watermark %s", Instant(c.watermark_us()).c_str());
  std::fprintf(out, "\n");
}

// Prints the failure of `r` on one line; returns the exit code.
int Fail(std::FILE* err, const ApiResult& r) {
  std::string line = "nsw-client: " + r.Describe();
  std::string request_id = !r.error.request_id().empty() ? r.error.request_id() : r.request_id;
  if (!request_id.empty()) line += " (request id " + request_id + ")";
  if (!r.retry_after.empty()) line += " (retry after " + r.retry_after + " s)";
  std::fprintf(err, "%s\n", line.c_str());
  return kExitFailure;
}

template <typename Reply>
int Finish(std::FILE* out, std::FILE* err, const ApiResult& r, const Reply& reply, bool json,
           void (*print)(std::FILE*, const Reply&)) {
  if (!r.ok()) return Fail(err, r);
  if (json) {
    std::fputs(ToJson(reply).c_str(), out);
  } else {
    print(out, reply);
  }
  return kExitOk;
}

void RequireEnterprise(const Options& o) {
  if (!auth::IsValidTaxCode(o.enterprise)) {
    throw UsageError{"--enterprise: '" + o.enterprise + "' is not a 10-digit tax code"};
  }
}

// catalog and stats: the given enterprise, else admin when that is possible.
std::string PrincipalFor(const Options& o, const auth::Signer& signer) {
  if (!o.enterprise.empty()) {
    RequireEnterprise(o);
    return o.enterprise;
  }
  if (signer.can_sign_admin() || !signer.has_keys()) return std::string(auth::kAdminPrincipal);
  throw UsageError{"--enterprise is needed: the key file signs for enterprises only"};
}

int64_t DurationFlag(const std::string& flag, const std::string& text) {
  int64_t us = 0;
  Status s = ParseDuration(text, &us);
  if (!s.ok()) throw UsageError{flag + ": " + s.message()};
  return us;
}

int64_t InstantFlag(const std::string& flag, const std::string& text) {
  int64_t us = 0;
  Status s = ParseInstant(text, &us);
  if (!s.ok()) throw UsageError{flag + ": " + s.message()};
  return us;
}

}  // namespace

int RunClientCli(int argc, char** argv, std::FILE* out, std::FILE* err) {
  Options o;
  CLI::App app{"nsw-client: one-off calls to an nswsim server (the simulated National Single Window)",
               "nsw-client"};
  app.set_version_flag("--version", std::string("nsw-client ") + NSW_VERSION);
  app.require_subcommand(1);
  // Global flags may also follow the subcommand ("status ... --json");
  // subcommands created below inherit this.
  app.fallthrough();
  app.add_option("--target", o.target, "server base URL (http:// or https://)")->capture_default_str();
  app.add_option("--auth-key-file", o.key_file,
                 "key file (master, enterprise-root or admin; mode 0600); without one, requests are unsigned "
                 "and name the enterprise in X-NSW-Enterprise (servers with --auth none)");
  app.add_flag("--json", o.json, "print the reply as protobuf JSON");
  app.add_option("--encoding", o.encoding, "request bodies: protobuf or json")
      ->check(CLI::IsMember({"protobuf", "json"}))
      ->capture_default_str();
  app.add_option("--timeout", o.timeout, "request timeout (duration: 500ms, 30s, ...)")->capture_default_str();
  app.add_flag("--insecure", o.insecure, "https: do not verify the server certificate");
  app.add_option("--ca-file", o.ca_file, "https: PEM file of trusted CAs")->check(CLI::ExistingFile);

  auto add_enterprise = [&](CLI::App* sub, bool required) {
    auto* opt = sub->add_option("--enterprise", o.enterprise, "tax code of the enterprise (10 digits)");
    if (required) opt->required();
  };
  auto add_id = [&](CLI::App* sub) { sub->add_option("id", o.id, "dossier id")->required(); };

  CLI::App* submit = app.add_subcommand("submit", "submit a dossier");
  add_enterprise(submit, true);
  submit->add_option("--procedure", o.procedure, "procedure code, e.g. MOIT.CO-FORM-D")->required();
  submit->add_option("--client-ref", o.client_ref, "client reference: the idempotency key (1-64 bytes)")->required();
  auto* payload_opt = submit->add_option("--payload", o.payload, "payload text");
  auto* payload_file_opt = submit->add_option("--payload-file", o.payload_file, "payload from a file")
                               ->check(CLI::ExistingFile);
  auto* payload_size_opt = submit->add_option("--payload-size", o.payload_size, "a payload of this size (64k, 1M)");
  payload_opt->excludes(payload_file_opt)->excludes(payload_size_opt);
  payload_file_opt->excludes(payload_size_opt);
  submit->add_option("--at", o.at, "simulated submission instant (RFC 3339; required by trace-clock servers)");

  CLI::App* status = app.add_subcommand("status", "a dossier's state and timeline");
  add_enterprise(status, true);
  add_id(status);
  CLI::App* find = app.add_subcommand("find", "find a dossier by client reference");
  add_enterprise(find, true);
  find->add_option("--client-ref", o.client_ref, "client reference")->required();
  CLI::App* pay = app.add_subcommand("pay", "pay a dossier's fee");
  add_enterprise(pay, true);
  add_id(pay);
  CLI::App* supplement = app.add_subcommand("supplement", "answer a supplement request");
  add_enterprise(supplement, true);
  add_id(supplement);
  CLI::App* withdraw = app.add_subcommand("withdraw", "withdraw a dossier");
  add_enterprise(withdraw, true);
  add_id(withdraw);

  CLI::App* catalog = app.add_subcommand("catalog", "ministries and procedures");
  add_enterprise(catalog, false);
  CLI::App* stats = app.add_subcommand("stats", "simulation statistics per ministry");
  add_enterprise(stats, false);
  stats->add_flag("--procedures", o.procedures, "also the per-procedure table");

  CLI::App* admin = app.add_subcommand("admin", "administration (needs the admin or master key)");
  admin->require_subcommand(1);
  CLI::App* clock = admin->add_subcommand("clock", "the simulated clock");
  clock->require_subcommand(1);
  CLI::App* advance = clock->add_subcommand("advance", "advance the simulated clock");
  auto* to_opt = advance->add_option("--to", o.clock_to, "to this instant (RFC 3339)");
  auto* by_opt = advance->add_option("--by", o.clock_by, "by this duration (1h, 7d)");
  to_opt->excludes(by_opt);
  advance->require_option(1);
  CLI::App* pause = clock->add_subcommand("pause", "pause the simulated clock");
  CLI::App* resume = clock->add_subcommand("resume", "resume the simulated clock");
  CLI::App* speed = clock->add_subcommand("speed", "set simulated seconds per wall second");
  speed->add_option("x", o.clock_speed, "speed, > 0")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    std::ostringstream help_out, help_err;
    int rc = app.exit(e, help_out, help_err);
    std::fputs(help_out.str().c_str(), out);
    std::fputs(help_err.str().c_str(), err);
    return rc;
  } catch (const CLI::ParseError& e) {
    std::fprintf(err, "nsw-client: %s\n", e.what());
    return kExitUsage;
  }

  try {
    Url url;
    Status s = ParseUrl(o.target, &url);
    if (!s.ok()) throw UsageError{"--target: " + s.message()};
    ConnectionOptions connection_options;
    int64_t timeout_us = DurationFlag("--timeout", o.timeout);
    if (timeout_us <= 0) throw UsageError{"--timeout: must be positive"};
    connection_options.request_timeout = std::chrono::milliseconds(std::max<int64_t>(1, timeout_us / 1000));
    connection_options.connect_timeout = std::min(connection_options.connect_timeout, connection_options.request_timeout);
    connection_options.tls_verify = !o.insecure;
    connection_options.tls_ca_file = o.ca_file;
    ApiOptions api_options;
    s = ParseEncoding(o.encoding, &api_options.encoding);
    if (!s.ok()) throw UsageError{"--encoding: " + s.message()};

    auth::Signer signer;
    if (!o.key_file.empty()) {
      s = auth::Signer::FromKeyFile(o.key_file, &signer);
      if (!s.ok()) {
        std::fprintf(err, "nsw-client: --auth-key-file: %s\n", s.message().c_str());
        return kExitFailure;
      }
    }

    // Validate everything before touching the network.
    SubmitRequest submit_request;
    ClockRequest clock_request;
    std::string principal;
    if (submit->parsed()) {
      RequireEnterprise(o);
      if (o.client_ref.empty() || o.client_ref.size() > 64) {
        throw UsageError{"--client-ref: must be 1 to 64 bytes"};
      }
      submit_request.set_procedure(o.procedure);
      submit_request.set_client_ref(o.client_ref);
      if (!o.payload_file.empty()) {
        std::ifstream in(o.payload_file, std::ios::binary);
        std::ostringstream data;
        data << in.rdbuf();
        if (!in.good() && !in.eof()) throw UsageError{"--payload-file: cannot read " + o.payload_file};
        submit_request.set_payload(data.str());
      } else if (!o.payload_size.empty()) {
        uint64_t bytes = 0;
        Status ps = ParseSize(o.payload_size, &bytes);
        if (!ps.ok()) throw UsageError{"--payload-size: " + ps.message()};
        if (bytes > (64u << 20)) throw UsageError{"--payload-size: at most 64M"};
        submit_request.set_payload(std::string(bytes, 'x'));
      } else {
        submit_request.set_payload(o.payload);
      }
      if (!o.at.empty()) submit_request.set_submitted_at_us(InstantFlag("--at", o.at));
    } else if (status->parsed() || find->parsed() || pay->parsed() || supplement->parsed() || withdraw->parsed()) {
      RequireEnterprise(o);
    } else if (catalog->parsed() || stats->parsed()) {
      principal = PrincipalFor(o, signer);
    } else if (advance->parsed()) {
      clock_request.set_action(ClockRequest::ADVANCE);
      if (!o.clock_to.empty()) clock_request.set_to_us(InstantFlag("--to", o.clock_to));
      if (!o.clock_by.empty()) {
        int64_t by = DurationFlag("--by", o.clock_by);
        if (by <= 0) throw UsageError{"--by: must be positive"};
        clock_request.set_by_us(by);
      }
    } else if (pause->parsed()) {
      clock_request.set_action(ClockRequest::PAUSE);
    } else if (resume->parsed()) {
      clock_request.set_action(ClockRequest::RESUME);
    } else if (speed->parsed()) {
      if (!(o.clock_speed > 0) || !std::isfinite(o.clock_speed)) {
        throw UsageError{"speed: '" + std::to_string(o.clock_speed) + "' is not a positive number"};
      }
      clock_request.set_action(ClockRequest::SPEED);
      clock_request.set_speed(o.clock_speed);
    }
    if (clock_request.action() != ClockRequest::ACTION_UNSPECIFIED && signer.has_keys() && !signer.can_sign_admin()) {
      std::fprintf(err, "nsw-client: admin calls need the admin or master key file, not %s\n", o.key_file.c_str());
      return kExitFailure;
    }

    SyncNswClient client(url, std::move(signer), api_options, connection_options);
    if (submit->parsed()) {
      SubmitReply reply;
      ApiResult r = client.Submit(o.enterprise, submit_request, &reply);
      if (!r.ok()) return Fail(err, r);
      if (o.json) {
        std::fputs(ToJson(reply).c_str(), out);
      } else {
        std::fprintf(out, "dossier %llu %s at %s (%s)\n", static_cast<unsigned long long>(reply.dossier_id()),
                    DossierState_Name(reply.state()).c_str(), Instant(reply.accepted_at_us()).c_str(),
                    r.http_status == 202 ? "new submission" : "already submitted with this reference");
      }
      return kExitOk;
    }
    Dossier dossier;
    if (status->parsed()) return Finish(out, err, client.GetDossier(o.enterprise, o.id, &dossier), dossier, o.json, PrintDossier);
    if (find->parsed()) {
      return Finish(out, err, client.FindDossier(o.enterprise, o.client_ref, &dossier), dossier, o.json, PrintDossier);
    }
    if (pay->parsed()) {
      return Finish(out, err, client.Act(o.enterprise, o.id, DossierAction::kPay, &dossier), dossier, o.json, PrintDossier);
    }
    if (supplement->parsed()) {
      return Finish(out, err, client.Act(o.enterprise, o.id, DossierAction::kSupplement, &dossier), dossier, o.json,
                    PrintDossier);
    }
    if (withdraw->parsed()) {
      return Finish(out, err, client.Act(o.enterprise, o.id, DossierAction::kWithdraw, &dossier), dossier, o.json,
                    PrintDossier);
    }
    if (catalog->parsed()) {
      nsw::CatalogProto reply;
      return Finish(out, err, client.GetCatalog(principal, &reply), reply, o.json, PrintCatalog);
    }
    if (stats->parsed()) {
      Stats reply;
      ApiResult r = client.GetStats(principal, &reply);
      if (!r.ok()) return Fail(err, r);
      if (o.json) {
        std::fputs(ToJson(reply).c_str(), out);
      } else {
        PrintStats(out, reply, o.procedures);
      }
      return kExitOk;
    }
    if (clock_request.action() != ClockRequest::ACTION_UNSPECIFIED) {
      ClockReply reply;
      return Finish(out, err, client.AdminClock(clock_request, &reply), reply, o.json, PrintClock);
    }
    throw UsageError{"no command given"};
  } catch (const UsageError& e) {
    std::fprintf(err, "nsw-client: %s\n", e.message.c_str());
    return kExitUsage;
  }
}

}  // namespace nsw::client
