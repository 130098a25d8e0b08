//! The cached path in raw N-API: `cachedTokenId(handle)`.
//!
//! napi-rs's generated glue costs 80-200 ns a call (it sets up borrow
//! scopes, with allocations, on every call); this one function is the whole
//! cached path of `token()`, so it is written against N-API directly: about
//! 25 ns, allocation-free. Everything else goes through napi-rs.

use std::ffi::c_void;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;

use m2mauth::TokenSource;
use napi::bindgen_prelude::{Env, Error, Result, Status, Unknown};
use napi::sys;
use napi_derive::napi;

use crate::source::NativeSource;

/// Marks the externals this module creates, so that no other external can be
/// mistaken for a token source.
static HANDLE_TAG: sys::napi_type_tag = sys::napi_type_tag {
    lower: 0x6d32_6d61_7574_6800,
    upper: 0x736f_7572_6365_0001,
};

/// N-API's "the string is NUL-terminated" length.
const NAPI_AUTO_LENGTH: isize = -1;

fn check(status: sys::napi_status, what: &str) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(
            Status::GenericFailure,
            format!("m2mauth: {what} failed ({status})"),
        ))
    }
}

unsafe extern "C" fn release(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the Box made in `handle`, released once, by N-API.
    drop(unsafe { Box::from_raw(data.cast::<TokenSource>()) });
}

/// A tagged external holding (a clone of) `source`, for `cachedTokenId`.
#[napi(catch_unwind)]
pub fn hot_handle<'env>(env: &'env Env, source: &NativeSource) -> Result<Unknown<'env>> {
    let data = Box::into_raw(Box::new(source.token_source().clone())).cast::<c_void>();
    let mut external = ptr::null_mut();
    // SAFETY: a valid env on its thread; `data` is owned by the external from
    // here on and freed by `release`.
    unsafe {
        let status = sys::napi_create_external(
            env.raw(),
            data,
            Some(release),
            ptr::null_mut(),
            &raw mut external,
        );
        if status != sys::Status::napi_ok {
            release(env.raw(), data, ptr::null_mut());
            return Err(Error::new(
                Status::GenericFailure,
                "m2mauth: napi_create_external failed",
            ));
        }
        check(
            sys::napi_type_tag_object(env.raw(), external, &raw const HANDLE_TAG),
            "napi_type_tag_object",
        )?;
        Ok(Unknown::from_raw_unchecked(env.raw(), external))
    }
}

/// The raw `cachedTokenId(handle)` function (create it once per environment).
#[napi(catch_unwind)]
pub fn cached_token_id_function(env: &Env) -> Result<Unknown<'_>> {
    let mut function = ptr::null_mut();
    let name = c"cachedTokenId";
    // SAFETY: a valid env on its thread; the callback has N-API's signature.
    unsafe {
        check(
            sys::napi_create_function(
                env.raw(),
                name.as_ptr(),
                NAPI_AUTO_LENGTH,
                Some(cached_token_id),
                ptr::null_mut(),
                &raw mut function,
            ),
            "napi_create_function",
        )?;
        Ok(Unknown::from_raw_unchecked(env.raw(), function))
    }
}

/// `cachedTokenId(handle)`: the fetch id of the token the source can serve
/// now without waiting, or `null`. Throws a TypeError for a foreign value.
unsafe extern "C" fn cached_token_id(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    let mut count = 1usize;
    let mut args = [ptr::null_mut(); 1];
    let mut tagged = false;
    let mut data = ptr::null_mut();
    let mut result = ptr::null_mut();
    // SAFETY: N-API calls this with a valid env and callback info, on the
    // env's thread; `data` comes from an external carrying HANDLE_TAG, which
    // only `hot_handle` creates, around a live Box<TokenSource>.
    unsafe {
        let found = sys::napi_get_cb_info(
            env,
            info,
            &raw mut count,
            args.as_mut_ptr(),
            ptr::null_mut(),
            ptr::null_mut(),
        ) == sys::Status::napi_ok
            && count >= 1
            && sys::napi_check_object_type_tag(
                env,
                args[0],
                &raw const HANDLE_TAG,
                &raw mut tagged,
            ) == sys::Status::napi_ok
            && tagged
            && sys::napi_get_value_external(env, args[0], &raw mut data) == sys::Status::napi_ok;
        if !found {
            sys::napi_throw_type_error(
                env,
                c"INTERNAL".as_ptr(),
                c"cachedTokenId() takes a source handle".as_ptr(),
            );
            return ptr::null_mut();
        }
        let source = &*data.cast::<TokenSource>();
        match panic::catch_unwind(AssertUnwindSafe(|| source.cached_token_id())) {
            Ok(Some(id)) => sys::napi_create_double(env, id as f64, &raw mut result),
            Ok(None) => sys::napi_get_null(env, &raw mut result),
            Err(_) => {
                sys::napi_throw_error(
                    env,
                    c"INTERNAL".as_ptr(),
                    c"m2mauth panicked in cachedTokenId".as_ptr(),
                );
                return ptr::null_mut();
            }
        };
        result
    }
}
