// A throwaway self-signed certificate for loopback TLS (the demo and the tests serve HTTPS
// simulators with it, so shipped definitions run unchanged with their https:// endpoints).
#pragma once

#include <string>

#include "core/error.h"

namespace intake::http {

struct CertFiles {
  std::string cert;  // PEM certificate, also usable as the client's CA file
  std::string key;   // PEM private key
};

// Writes cert.pem and key.pem into `dir` for CN=localhost with subjectAltName DNS:localhost and
// IP:127.0.0.1, valid for `days`.
Result<CertFiles> make_self_signed_cert(const std::string& dir, int days = 2);

}  // namespace intake::http
