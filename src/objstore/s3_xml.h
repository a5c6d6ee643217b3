// The few XML documents of the S3 API the client reads and writes: a
// ListObjectsV2 page, an error, a new multipart upload's id, and the
// body that completes one. S3's answers are flat and regular, so a
// scanner for named elements does instead of an XML library: it finds
// `<Name>text</Name>` (attributes and `<Name/>` allowed), and decodes
// the five predefined entities and character references in the text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "objstore/object_store.h"

namespace lode {

// The text of the first element `name` at or after `pos` in `xml`, raw
// (entities not decoded); `pos` moves past its end tag. nullopt when
// there is none, or it is not closed.
std::optional<std::string_view> NextXmlElement(std::string_view xml, std::string_view name,
                                               size_t& pos);

// Decodes &amp; &lt; &gt; &quot; &apos; &#N; &#xN; (as UTF-8); nullopt
// for any other '&' or a reference to no character.
std::optional<std::string> XmlUnescape(std::string_view text);

// Escapes & < > for element text.
std::string XmlEscape(std::string_view text);

struct ListPage {
  std::vector<ObjectInfo> objects;
  bool truncated = false;
  std::string next_token;  // where the next page starts, when truncated
};

// A ListObjectsV2 answer (ListBucketResult). Corruption when it is not
// one, or a key or size cannot be read.
Result<ListPage> ParseListPage(std::string_view xml);

// An S3 <Error> document's Code and Message; both empty when the body is
// not one (a HEAD answer has no body).
struct S3Error {
  std::string code;
  std::string message;
};
S3Error ParseS3Error(std::string_view xml);

// The UploadId of an InitiateMultipartUploadResult.
Result<std::string> ParseUploadId(std::string_view xml);

// The CompleteMultipartUpload body for the parts' ETags, part 1 first.
std::string CompleteMultipartBody(const std::vector<std::string>& etags);

}  // namespace lode
