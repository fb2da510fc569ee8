// Package benchmarks measures dale's training step: config R of
// ../shared/reference/performance.md (MultiAreaEI mask dims [4, 256, 2],
// relu, dt 10, tau 100, batch 64, 100 steps, float32), fused vs unrolled
// engine, masked vs unmasked, pure-Go vs OpenBLAS, and scaling over N,
// time steps and batch. It reports the median ms per step, GFLOP/s
// (nominal product work, see [Case.FLOPs]), the peak live heap and ratios
// measured side by side in one run.
//
// The step measured is train's own, the one `dale train` takes: every case
// is a train.Run on the case's model ([NewModel]) and a fixed synthetic
// task ([Source]: the same batch every step, the loss judging the second
// half of each trial) with [TrainOptions] (train's defaults: masked MSE,
// Adam at 1e-3, gradient clipping at norm 1; no evaluation, checkpoints or
// progress output), and a train.Recorder times each step. [MeasureGroup]
// runs the cases of a group on goroutines of their own, letting one step
// at a time, so that their steps interleave.
//
// Run it with `go test -bench . ./benchmarks/` or `dale bench [--json]
// [--case R]`. Speed targets live here, never in timed unit tests.
package benchmarks
