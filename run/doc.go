// Package run turns a run configuration — one JSON document with the
// sections seed, hidden_size, task, curriculum, mask, model and train —
// into the objects the other packages need (a task, a mask, an rnn.Config
// and train.Options), and holds the training recipe of every task. It is
// the library face of "dale train" and "dale config": a Go program gets
// the same run from the same JSON.
//
// # Resolving
//
// Resolve fills what one section takes from another: the model's and the
// mask's dims from the task (inputs, outputs) and hidden_size, the model's
// dt from the task, every seed from the run seed. The resolved Config has
// every default written out except what is derived (dims, dt), so a user
// changes the network's size in one place, hidden_size.
//
// # Curriculum
//
// A curriculum is a list of stages before the task itself; each stage is
// the run's task with some parameters changed (for example
// {"timing": {"delay": 0}}) and an evaluation accuracy that ends it. The
// last stage is always the task with its own parameters, so a curriculum
// leads up to a task's full timing and never replaces it.
//
// # Recipes
//
// Recipe(task) returns a run config made for that task, embedded from
// recipes/TASK.json: "dale train --task TASK" trains it. All recipes keep
// a two-area E/I network (MultiAreaEI, exc_pct 0.8, Dale's law on) of
// ReLU rate units with τ = 100 ms. What they change, and why:
//
//   - spectral_radius 1.5 for every task with a memory period (romo,
//     ctxdm, dms, dmc, gonogo, flipflop). The default initialisation
//     (nn4n's U(−1/√N, 1/√N) magnitudes on a sparse mask, then the global
//     E/I balance) leaves the effective recurrent matrix with spectral
//     radius ≈ 0.16 at N = 64, so activity and gradients decay by
//     (1 − α + αρ)^T ≈ 1e−4 over a 1 s delay (T = 100 steps, α = 0.1) and
//     nothing learns to bridge it. Scaled to 1.5 (pycog's ρ for E/I
//     networks, Song et al. 2016) the leading modes persist.
//   - a curriculum on the delay for the tasks that must hold a decision
//     or a sample over long or variable delays (ctxdm, dmc, dms): the
//     stimulus-to-choice mapping is learned with no delay first, then the
//     delay grows to the task's own.
//
// Each recipe sets target_accuracy a little above the task's acceptance
// target so that the network saved as best.npz still meets it on fresh
// trials; benchmarks/tasks.sh trains every recipe and prints the table.
package run
