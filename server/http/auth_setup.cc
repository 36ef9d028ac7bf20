// Key setup for --auth; see auth_setup.h.
#include "server/http/auth_setup.h"

namespace nsw::http {

Status SetUpAuth(const AuthOptions& options, Env* env, AuthSetup* out) {
  *out = AuthSetup();
  if (options.mode == AuthMode::kNone) {
    out->verifier = std::make_unique<auth::Verifier>(auth::Verifier::Unauthenticated());
    return Status::OK();
  }
  if (!options.master_key_file.empty()) {
    auth::Key master;
    Status s = auth::ReadKeyFileOfKind(options.master_key_file, auth::KeyKind::kMaster, &master);
    if (!s.ok()) return s;
    out->verifier = std::make_unique<auth::Verifier>(auth::Verifier::FromMaster(master));
    out->master_key_path = options.master_key_file;
    return Status::OK();
  }
  Status s = env->CreateDirIfMissing(options.key_dir);
  if (!s.ok()) return s;
  auth::ServerKeys keys;
  auto writer = [env](const std::string& path, std::string_view data, int mode) {
    return env->WriteFileAtomically(path, data, mode);
  };
  s = auth::LoadOrCreateServerKeys(options.key_dir, &keys, &out->created, writer);
  if (!s.ok()) return s;
  out->verifier = std::make_unique<auth::Verifier>(auth::Verifier::FromMaster(keys.master));
  std::string dir = options.key_dir;
  if (!dir.empty() && dir.back() != '/') dir.push_back('/');
  out->master_key_path = dir + std::string(auth::kMasterKeyFileName);
  out->enterprise_root_path = dir + std::string(auth::kEnterpriseRootKeyFileName);
  out->admin_path = dir + std::string(auth::kAdminKeyFileName);
  return Status::OK();
}

}  // namespace nsw::http
