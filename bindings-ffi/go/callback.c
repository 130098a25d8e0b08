// The bridge from the library's callback thread into Go (see token_async.go).
#include "m2mauth.h"
#include "_cgo_export.h"

m2m_code m2mauth_go_token_async(const m2m_source *source, uintptr_t handle, m2m_error **err) {
  return m2m_source_token_async(source, (m2m_token_callback)m2mauthGoOnToken, (void *)handle, err);
}

m2m_code m2mauth_go_verify_async(const m2m_verifier *verifier, const char *token, const char *scopes,
                                 uintptr_t handle, m2m_error **err) {
  return m2m_verifier_verify_async(verifier, token, scopes, (m2m_verify_callback)m2mauthGoOnVerified,
                                   (void *)handle, err);
}
