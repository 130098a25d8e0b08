package m2mauth

/*
#include <stdint.h>
#include "m2mauth.h"

// Defined in callback.c: starts m2m_source_token_async with m2mauthGoOnToken.
m2m_code m2mauth_go_token_async(const m2m_source *source, uintptr_t handle, m2m_error **err);
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"

	"golang.org/x/oauth2"
)

// outcome is what the library's callback delivers to a waiting goroutine.
type outcome struct {
	token *oauth2.Token
	id    uint64
	err   error
}

// m2mauthGoOnToken receives m2m_source_token_async's outcome on a library
// thread and hands it to the goroutine waiting on the channel behind handle.
//
//export m2mauthGoOnToken
func m2mauthGoOnToken(handle unsafe.Pointer, code C.m2m_code, token *C.m2m_token, cerr *C.m2m_error) {
	h := cgo.Handle(uintptr(handle))
	done := h.Value().(chan outcome)
	h.Delete()
	if code == C.M2M_OK {
		t, id := goToken(token)
		done <- outcome{token: t, id: id}
		return
	}
	done <- outcome{err: goError(code, cerr)}
}

// requestToken starts an asynchronous fetch whose outcome arrives on the
// returned channel (buffered: nobody has to be waiting when it arrives).
func requestToken(src *C.m2m_source) (<-chan outcome, error) {
	done := make(chan outcome, 1)
	h := cgo.NewHandle(done)
	var cerr *C.m2m_error
	if code := C.m2mauth_go_token_async(src, C.uintptr_t(h), &cerr); code != C.M2M_OK {
		h.Delete()
		return nil, goError(code, cerr)
	}
	return done, nil
}
