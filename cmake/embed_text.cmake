# Writes OUT, a C++ file defining a `const char* const` with the text of IN.
# The text is split into raw-string chunks so no literal hits compiler limits.
# Default: nsw::kDefaultCatalogText (and kDefaultCatalogName) for
# proto/default_catalog.h. With -DSYMBOL=ns::kName -DHEADER=path/to.h it
# defines that symbol instead, declared in HEADER (the dashboard page).
file(READ ${IN} text)
if(DEFINED SYMBOL)
  set(delimiter "nswtext")
else()
  set(delimiter "nswcatalog")
endif()
string(LENGTH "${text}" length)
set(body "")
set(offset 0)
while(offset LESS length)
  string(SUBSTRING "${text}" ${offset} 8000 chunk)
  string(APPEND body "R\"${delimiter}(${chunk})${delimiter}\"\n")
  math(EXPR offset "${offset} + 8000")
endwhile()
if(DEFINED SYMBOL)
  string(REGEX MATCH "^(.*)::([A-Za-z0-9_]+)$" matched "${SYMBOL}")
  file(WRITE ${OUT} "// Generated from ${IN} by cmake/embed_text.cmake. Do not edit.\n"
    "#include \"${HEADER}\"\n"
    "namespace ${CMAKE_MATCH_1} {\nconst char* const ${CMAKE_MATCH_2} =\n${body};\n}  // namespace ${CMAKE_MATCH_1}\n")
else()
  file(WRITE ${OUT} "// Generated from ${IN} by cmake/embed_text.cmake. Do not edit.\n"
    "#include \"proto/default_catalog.h\"\n"
    "namespace nsw {\nconst char* const kDefaultCatalogText =\n${body};\n"
    "const char* const kDefaultCatalogName = \"default_catalog.textproto\";\n}  // namespace nsw\n")
endif()
