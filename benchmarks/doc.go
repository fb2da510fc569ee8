// Package benchmarks measures dale's training step: config R of
// ../shared/reference/performance.md (MultiAreaEI mask dims [4, 256, 2],
// relu, dt 10, tau 100, batch 64, 100 steps, float32; one step = forward +
// backward + one Adam update with a masked MSE on the readout), fused vs
// unrolled engine, masked vs unmasked, pure-Go vs OpenBLAS, and scaling
// over N, time steps and batch. It reports the median ms per step, GFLOP/s
// (nominal product work, see [Case.FLOPs]), the peak live heap and ratios
// measured side by side in one run.
//
// Run it with `go test -bench . ./benchmarks/` or `dale bench [--json]
// [--case R]`. Speed targets live here, never in timed unit tests.
package benchmarks
