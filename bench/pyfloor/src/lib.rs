//! The cheapest thing a cached-token call through pyo3 could be: a method
//! returning a `str` it already holds. The Python benchmark's floor.

// pyo3's generated glue is unsafe code; this crate has none of its own.
#![allow(unsafe_code, unreachable_pub)]

use pyo3::prelude::*;
use pyo3::types::PyString;

/// Holds one string and hands it back.
#[pyclass(frozen)]
pub struct Floor {
    value: Py<PyString>,
}

#[pymethods]
impl Floor {
    #[new]
    fn new(value: Py<PyString>) -> Self {
        Floor { value }
    }

    /// The string, with no work at all.
    fn get(&self, py: Python<'_>) -> Py<PyString> {
        self.value.clone_ref(py)
    }
}

/// The floor benchmark module.
#[pymodule]
mod m2mauth_bench_floor {
    #[pymodule_export]
    use super::Floor;
}
