// Server-side key setup for `--auth` (DESIGN.md "Authentication"): with
// hmac, the master key is read from --auth-key-file or from
// <data-dir>/master.key, created there on first start (atomically, mode
// 0600, never overwritten) together with enterprise-root.key (for clients
// and load generators) and admin.key (for the admin clock); a key file that
// group or others can read is refused. With none, no key is read or
// written and the Verifier only learns who the caller claims to be. Files go
// through the injected Env, so tests can use a scratch directory.
#ifndef NSW_SERVER_HTTP_AUTH_SETUP_H_
#define NSW_SERVER_HTTP_AUTH_SETUP_H_

#include <memory>
#include <string>

#include "client/signing.h"
#include "proto/status.h"
#include "server/journal/env.h"

namespace nsw::http {

enum class AuthMode { kHmac, kNone };

struct AuthOptions {
  AuthMode mode = AuthMode::kHmac;  // --auth
  std::string key_dir = "./nsw-data";  // --data-dir: where the key files live
  std::string master_key_file;      // --auth-key-file; empty: <key_dir>/master.key
};

struct AuthSetup {
  std::unique_ptr<auth::Verifier> verifier;
  bool created = false;              // the key files were created just now
  std::string master_key_path;       // empty with --auth none
  std::string enterprise_root_path;  // empty with --auth-key-file or --auth none
  std::string admin_path;            // same
};

// FailedPrecondition / InvalidArgument / IoError naming the file at fault.
Status SetUpAuth(const AuthOptions& options, Env* env, AuthSetup* out);

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_AUTH_SETUP_H_
