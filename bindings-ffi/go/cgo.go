package m2mauth

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#cgo LDFLAGS: -L${SRCDIR}/lib -l:libm2mauth.a -lm -ldl -lpthread
#include <stdlib.h>
#include <string.h>
#include "m2mauth.h"
*/
import "C"

import (
	"math"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/oauth2"
)

// goToken copies a C token into an oauth2.Token (with the granted scopes
// under Extra("scope")) and frees the C token.
func goToken(t *C.m2m_token) (*oauth2.Token, uint64) {
	defer C.m2m_token_free(t)
	scopes := make([]string, int(C.m2m_token_scope_count(t)))
	for i := range scopes {
		scopes[i] = C.GoString(C.m2m_token_scope(t, C.size_t(i)))
	}
	token := &oauth2.Token{
		AccessToken: C.GoString(C.m2m_token_value(t)),
		TokenType:   C.GoString(C.m2m_token_type(t)),
		Expiry:      time.UnixMilli(int64(C.m2m_token_expires_at_ms(t))),
	}
	return token.WithExtra(map[string]any{"scope": strings.Join(scopes, " ")}), uint64(C.m2m_token_fetch_id(t))
}

// goError copies a C error into an *Error and frees the C error.
func goError(code C.m2m_code, e *C.m2m_error) error {
	defer C.m2m_error_free(e)
	if e == nil {
		return &Error{Code: Code(code), Name: "internal", Family: "internal", Message: "m2mauth: failed without details"}
	}
	optional := func(s *C.char) string {
		if s == nil {
			return ""
		}
		return C.GoString(s)
	}
	retry := time.Duration(0)
	if ms := int64(C.m2m_error_retry_after_ms(e)); ms >= 0 {
		retry = millis(ms)
	}
	return &Error{
		Code:        Code(code),
		Name:        C.GoString(C.m2m_error_name(e)),
		Family:      C.GoString(C.m2m_error_family(e)),
		Message:     C.GoString(C.m2m_error_message(e)),
		OAuthError:  optional(C.m2m_error_oauth_error(e)),
		Description: optional(C.m2m_error_description(e)),
		Field:       optional(C.m2m_error_field(e)),
		Detail:      optional(C.m2m_error_detail(e)),
		HTTPStatus:  int(C.m2m_error_http_status(e)),
		RetryAfter:  retry,
	}
}

// millis converts milliseconds to a Duration, saturating instead of
// overflowing (an IdP may ask for a Retry-After of centuries).
func millis(ms int64) time.Duration {
	if ms > math.MaxInt64/int64(time.Millisecond) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(ms) * time.Millisecond
}

// withConfig passes config to f as a C string, wiped and freed afterwards
// (it may hold a secret).
func withConfig(config []byte, f func(*C.char) C.m2m_code) C.m2m_code {
	text := C.CString(string(config))
	defer func() {
		C.memset(unsafe.Pointer(text), 0, C.size_t(len(config)))
		C.free(unsafe.Pointer(text))
	}()
	return f(text)
}

// withPrefix passes an environment prefix to f: NULL for "" (the default).
func withPrefix(prefix string, f func(*C.char) C.m2m_code) C.m2m_code {
	if prefix == "" {
		return f(nil)
	}
	cprefix := C.CString(prefix)
	defer C.free(unsafe.Pointer(cprefix))
	return f(cprefix)
}
