# Writes OUT, a C++ file defining nsw::kDefaultCatalogText with the text of IN.
# The text is split into raw-string chunks so no literal hits compiler limits.
file(READ ${IN} text)
string(LENGTH "${text}" length)
set(body "")
set(offset 0)
while(offset LESS length)
  string(SUBSTRING "${text}" ${offset} 8000 chunk)
  string(APPEND body "R\"nswcatalog(${chunk})nswcatalog\"\n")
  math(EXPR offset "${offset} + 8000")
endwhile()
file(WRITE ${OUT} "// Generated from ${IN} by cmake/embed_text.cmake. Do not edit.\n"
  "#include \"proto/default_catalog.h\"\n"
  "namespace nsw {\nconst char* const kDefaultCatalogText =\n${body};\n"
  "const char* const kDefaultCatalogName = \"default_catalog.textproto\";\n}  // namespace nsw\n")
