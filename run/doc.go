// Package run is dale's notion of a run: a run configuration — one JSON
// document with the sections seed, hidden_size, task, curriculum, mask,
// model and train — resolved into the objects the other packages need (a
// task, a mask, an rnn.Config and train.Options), the training recipe of
// every task, and the run directory: training into it (Train, Resume),
// judging its networks on fresh trials (Open, Dir.Eval, Evaluate, Metrics)
// and exporting their activity for numpy (Evaluation.Export). "dale train",
// "dale eval", "dale export" and "dale config" are thin faces of it: a Go
// program gets the same run, files and numbers from the same JSON.
//
// A run directory holds config.json (the resolved config), train's
// last.npz, best.npz, history.csv and summary.json, metrics.json (the best
// network on the run's evaluation trials), figures/ and eval/.
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
// recipes/TASK.json: "dale train --task TASK" trains it. Every recipe keeps
// a 64-neuron two-area E/I network (MultiAreaEI, exc_pct 0.8, Dale's law
// on) of ReLU rate units with τ = 100 ms and the task's own default
// parameters (its full timing) as the last stage. What they change, and
// the diagnosis behind each change (measured; see benchmarks/tasks.sh):
//
//   - Spectral radius 1.5 for the tasks with a memory period (romo, ctxdm,
//     dms, dmc, gonogo, flipflop). nn4n's initialisation (U(−1/√N, 1/√N)
//     magnitudes on a sparse mask, then the global E/I balance) leaves the
//     effective recurrent matrix with spectral radius 0.16 at N = 64, so
//     activity and gradients decay by (1 − α + αρ)^T ≈ 1.5e−4 over a 1 s
//     delay (T = 100 steps, α = 0.1). pycog scales E/I networks to 1.5.
//   - A curriculum on the delay (0, 300, 600 ms, then the task's) for romo,
//     dmc and ctxdm. Even at ρ = 1.5, romo seeds 2 and 3 stayed at 0.71 —
//     f2 against a fixed threshold, no memory of f1 — and dmc at chance:
//     the gradient through a 1 s delay is too weak to find the
//     stimulus–choice mapping. Learned with no delay, the mapping then
//     survives each longer delay at the first evaluation.
//   - dms is shaped the way animals are: the test is first shown through
//     the decision period with no delay and no test period (the comparison
//     alone), then the delay grows, then the test period grows 100, 200,
//     350, 500 ms (jumping to 500 ms stayed at chance: the test overwrites
//     the held sample on the same input units), then the test's overlap
//     with the decision period shrinks 900, 450, 200, 100, 0 ms.
//   - ctxdm (with a cosine decay) and dms learn at 3e−3: at 1e−2 ctxdm's
//     accuracy swung by ±0.1 between evaluations and collapsed to chance
//     once the delay became variable, and a gradient spike threw a trained
//     dms network (seed 3) to chance for good.
//   - flipflop learns each neuron's time constant (learn_alpha): with
//     τ = 100 ms fixed, a 10 ms pulse moves the state too little and
//     outputs settled for 400 ms after each pulse (mse 0.03–0.04 after
//     4000 steps at N = 64, 128 or 256); with learned α it reaches mse
//     0.005 in under 1000 steps.
//
// Each recipe's early-stop target (train.target_accuracy or train.target)
// sits a little beyond the task's acceptance target, so that best.npz
// still meets it on fresh trials.
package run
