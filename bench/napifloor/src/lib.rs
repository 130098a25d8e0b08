//! The floors of the Node benchmark: the cheapest a cached-token call can be
//! through napi-rs (a method returning a string it holds), and through raw
//! N-API (a function reading a number from a tagged external, which is what
//! m2mauth's cached path does).

// napi-rs's generated glue is unsafe code; this crate has none of its own.
#![allow(unsafe_code, unreachable_pub)]

use napi_derive::napi;

/// Holds one string and hands it back.
#[napi]
pub struct Floor {
    value: String,
}

#[napi]
impl Floor {
    /// Holds `value`.
    #[napi(constructor)]
    pub fn new(value: String) -> Self {
        Floor { value }
    }

    /// The string, with no work at all.
    #[napi]
    pub fn get(&self) -> &str {
        &self.value
    }
}

/// The raw N-API floor.
// Under cfg(test) napi-derive registers no exports, so nothing refers to these.
#[cfg_attr(test, allow(dead_code))]
mod raw {
    use std::ptr;

    use napi::bindgen_prelude::{Env, Unknown};
    use napi::sys;
    use napi_derive::napi;

    static TAG: sys::napi_type_tag = sys::napi_type_tag {
        lower: 0x6d32_6d61_7574_6800,
        upper: 0x666c_6f6f_7200_0001,
    };

    unsafe extern "C" fn finalize(
        _env: sys::napi_env,
        data: *mut std::ffi::c_void,
        _hint: *mut std::ffi::c_void,
    ) {
        drop(unsafe { Box::from_raw(data.cast::<u64>()) });
    }

    unsafe extern "C" fn raw_get(
        env: sys::napi_env,
        info: sys::napi_callback_info,
    ) -> sys::napi_value {
        unsafe {
            let mut count = 1usize;
            let mut args = [ptr::null_mut(); 1];
            let mut result = ptr::null_mut();
            sys::napi_get_cb_info(
                env,
                info,
                &raw mut count,
                args.as_mut_ptr(),
                ptr::null_mut(),
                ptr::null_mut(),
            );
            let mut tagged = false;
            sys::napi_check_object_type_tag(env, args[0], &raw const TAG, &raw mut tagged);
            let mut data = ptr::null_mut();
            if !tagged
                || sys::napi_get_value_external(env, args[0], &raw mut data) != sys::Status::napi_ok
            {
                sys::napi_get_null(env, &raw mut result);
                return result;
            }
            sys::napi_create_double(env, *data.cast::<u64>() as f64, &raw mut result);
            result
        }
    }

    /// A tagged external holding `value`, for the raw function.
    #[napi]
    pub fn raw_handle(env: &Env, value: u32) -> Unknown<'_> {
        unsafe {
            let mut external = ptr::null_mut();
            let data = Box::into_raw(Box::new(u64::from(value))).cast();
            sys::napi_create_external(
                env.raw(),
                data,
                Some(finalize),
                ptr::null_mut(),
                &raw mut external,
            );
            sys::napi_type_tag_object(env.raw(), external, &raw const TAG);
            Unknown::from_raw_unchecked(env.raw(), external)
        }
    }

    /// A raw N-API function returning the number its external holds (no
    /// napi-rs glue on the call), or null for a foreign value.
    #[napi]
    pub fn raw_function(env: &Env) -> Unknown<'_> {
        unsafe {
            let mut function = ptr::null_mut();
            sys::napi_create_function(
                env.raw(),
                c"rawGet".as_ptr(),
                6,
                Some(raw_get),
                ptr::null_mut(),
                &raw mut function,
            );
            Unknown::from_raw_unchecked(env.raw(), function)
        }
    }
}
