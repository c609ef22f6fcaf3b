// Response formats other than JSON, turned into JSON text so that one extraction path (simdjson +
// JSONPath) serves them all: CSV (RFC 4180), NDJSON, XML (Newtonsoft-style mapping).
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "http/gzip.h"

namespace intake::poll {

struct CsvOptions {
  char delimiter = ',';
  char quote = '"';
  bool header = true;  // first record names the columns; otherwise Column1, Column2, ...
};

// An array of objects, one per record, every value a string. Quoted fields may hold delimiters,
// doubled quotes and newlines. Errors give the line of an unterminated quote.
Result<std::string> csv_to_json(std::string_view body, const CsvOptions& options);

// NDJSON (one JSON value per line; blank lines skipped) -> a JSON array. Errors give the line.
Result<std::string> ndjson_to_json(std::string_view body);

// XML -> JSON the way Newtonsoft's SerializeXmlNode maps it: an element is a key, repeated
// siblings become an array, attributes become "@name", text beside children "#text", CDATA
// "#cdata-section"; an element with only text is a string; an empty element is null.
Result<std::string> xml_to_json(std::string_view body);

// gzip lives in http/ (receivers and uploads use it too).
using http::inflate;
using http::is_gzip;

}  // namespace intake::poll
