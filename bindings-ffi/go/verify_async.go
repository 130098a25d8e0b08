package m2mauth

/*
#include <stdint.h>
#include <stdlib.h>
#include "m2mauth.h"

// Defined in callback.c: starts m2m_verifier_verify_async with m2mauthGoOnVerified.
m2m_code m2mauth_go_verify_async(const m2m_verifier *verifier, const char *token, const char *scopes,
                                 uintptr_t handle, m2m_error **err);
*/
import "C"

import (
	"runtime/cgo"
	"strings"
	"unsafe"
)

// verified is what the library's callback delivers for a verification.
type verified struct {
	json string
	err  error
}

// m2mauthGoOnVerified receives m2m_verifier_verify_async's outcome on a
// library thread and hands it to the goroutine waiting behind handle.
//
//export m2mauthGoOnVerified
func m2mauthGoOnVerified(handle unsafe.Pointer, code C.m2m_code, claims *C.char, cerr *C.m2m_error) {
	h := cgo.Handle(uintptr(handle))
	done := h.Value().(chan verified)
	h.Delete()
	if code == C.M2M_OK {
		done <- verified{json: takeString(claims)}
		return
	}
	done <- verified{err: goError(code, cerr)}
}

// requestVerify starts an asynchronous verification whose outcome arrives
// on the returned (buffered) channel.
func requestVerify(v *C.m2m_verifier, token string, scopes []string) (<-chan verified, error) {
	ctoken, cscopes, free := verifyArguments(token, scopes)
	defer free()
	done := make(chan verified, 1)
	h := cgo.NewHandle(done)
	var cerr *C.m2m_error
	if code := C.m2mauth_go_verify_async(v, ctoken, cscopes, C.uintptr_t(h), &cerr); code != C.M2M_OK {
		h.Delete()
		return nil, goError(code, cerr)
	}
	return done, nil
}

// verifyNow checks token on the calling goroutine if that needs no wait
// (m2m_verifier_verify_now); decided is false when a fetch must be waited for.
func verifyNow(v *C.m2m_verifier, token string, scopes []string) (claims string, decided bool, err error) {
	ctoken, cscopes, free := verifyArguments(token, scopes)
	defer free()
	var out *C.char
	var cerr *C.m2m_error
	if code := C.m2m_verifier_verify_now(v, ctoken, cscopes, &out, &cerr); code != C.M2M_OK {
		return "", true, goError(code, cerr)
	}
	if out == nil {
		return "", false, nil
	}
	return takeString(out), true, nil
}

// verifyArguments are token and scopes (space-separated, NULL when none)
// as C strings, and the function that frees them.
func verifyArguments(token string, scopes []string) (ctoken, cscopes *C.char, free func()) {
	ctoken = C.CString(token)
	if len(scopes) > 0 {
		cscopes = C.CString(strings.Join(scopes, " "))
	}
	return ctoken, cscopes, func() {
		C.free(unsafe.Pointer(ctoken))
		C.free(unsafe.Pointer(cscopes)) // free(NULL) does nothing
	}
}

// takeString copies a string the library returned and frees the library's copy.
func takeString(out *C.char) string {
	defer C.m2m_string_free(out)
	return C.GoString(out)
}
