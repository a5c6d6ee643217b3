#include "io/env.h"

namespace lode {

Status WritableFile::AppendAll(std::span<const std::string> pieces) {
  for (const std::string& piece : pieces) LODE_RETURN_IF_ERROR(Append(piece));
  return Status::Ok();
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}

Status Env::WriteFileAtomic(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  if (FileExists(tmp)) LODE_RETURN_IF_ERROR(RemoveFile(tmp));
  {
    LODE_ASSIGN_OR_RETURN(auto file, NewAppendableFile(tmp));
    Status s = file->Append(data);
    if (s.ok()) s = file->Sync();
    if (s.ok()) s = file->Close();
    if (!s.ok()) {
      (void)RemoveFile(tmp);
      return s;
    }
  }
  LODE_RETURN_IF_ERROR(RenameFile(tmp, path));
  size_t slash = path.rfind('/');
  return SyncDir(slash == std::string::npos ? "." : path.substr(0, slash));
}

}  // namespace lode
