#include "cluster/cluster_options.h"

#include <cctype>

namespace lode {

std::string IngestStreamName(const std::string& name) {
  std::string upper;
  for (char c : name) {
    upper.push_back(c == '-' ? '_'
                             : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return upper + "_INGEST";
}

std::string IngestSubject(const std::string& name, uint32_t partition) {
  return name + ".ingest." + std::to_string(partition);
}

std::string LeaseBucketName(const std::string& name) { return name + "_leases"; }
std::string MemberBucketName(const std::string& name) { return name + "_members"; }
std::string CatalogBucketName(const std::string& name) { return name + "_catalog"; }

}  // namespace lode
