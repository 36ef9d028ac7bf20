// The built-in catalog (13 ministries, 198 procedures of Vietnam's NSW), as
// the text of proto/default_catalog.textproto embedded at build time. Parse
// and validate it with nsw::Catalog::Default (proto/catalog.h).
#ifndef NSW_PROTO_DEFAULT_CATALOG_H_
#define NSW_PROTO_DEFAULT_CATALOG_H_

namespace nsw {
extern const char* const kDefaultCatalogText;
extern const char* const kDefaultCatalogName;  // the file name errors report
}  // namespace nsw

#endif  // NSW_PROTO_DEFAULT_CATALOG_H_
