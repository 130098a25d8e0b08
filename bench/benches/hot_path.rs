//! The cached `token()` hot path: one thread, then two threads at once
//! (the per-call time must not grow), beside the floor: the cheapest
//! lock-free read of a shared token (`ArcSwap::load_full`).

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use criterion::{Criterion, criterion_group, criterion_main};

/// Polls a future that is expected to be ready at once (the cached path).
fn ready<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the cached path must not wait"),
    }
}

/// Runs `per_thread` calls of `call` on `threads` threads at once; the time
/// of the slowest thread, so the figure is "time per call per thread".
fn concurrently(threads: usize, per_thread: u64, call: impl Fn() + Sync) -> Duration {
    let barrier = Barrier::new(threads);
    let call = &call;
    let barrier = &barrier;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    barrier.wait();
                    #[allow(clippy::disallowed_methods)] // a benchmark measures real time
                    let start = Instant::now();
                    for _ in 0..per_thread {
                        call();
                    }
                    start.elapsed()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("bench thread"))
            .max()
            .unwrap_or_default()
    })
}

fn hot_path(c: &mut Criterion) {
    let (_issuer, source) = m2mauth_bench::warm_source();
    let floor = Arc::new(ArcSwap::from(Arc::new(
        source.token_blocking().expect("token"),
    )));

    let mut group = c.benchmark_group("cached token");
    group.bench_function("m2mauth token().await, 1 thread", |b| {
        b.iter(|| black_box(ready(source.token()).expect("cached")));
    });
    group.bench_function("m2mauth token_blocking(), 1 thread", |b| {
        b.iter(|| black_box(source.token_blocking().expect("cached")));
    });
    group.bench_function("m2mauth token().await, 2 threads", |b| {
        b.iter_custom(|iters| {
            concurrently(2, iters, || {
                drop(black_box(ready(source.token()).expect("cached")));
            })
        });
    });
    group.bench_function("floor ArcSwap::load_full, 1 thread", |b| {
        b.iter(|| black_box(floor.load_full()));
    });
    group.bench_function("floor ArcSwap::load_full, 2 threads", |b| {
        b.iter_custom(|iters| concurrently(2, iters, || drop(black_box(floor.load_full()))));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = hot_path
}
criterion_main!(benches);
