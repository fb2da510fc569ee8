// Package config holds what every dale config has in common, so that the
// mask, rnn, tasks, train and run sections read and fail alike: the one
// error form (Error: "FIELD = VALUE is not allowed: WHAT IS ALLOWED",
// which errors.As finds whichever package returned it) and the strict
// reading of JSON (CheckJSON, Decode: one value, no unknown keys, no key
// twice; RejectDefaultZeros: a key given is never replaced by a default).
//
// It earns a package of its own because every section package needs it
// and none may import another: mask, rnn, tasks and train each import
// config, and config imports only the standard library.
//
// # One convention for every config
//
//   - In JSON, an absent key takes its default and a key given is taken
//     as written, then validated: "batch_size": 0 is an error, not 64, and
//     "beta1": 0 is Adam without momentum. Unknown keys, a key repeated
//     in one object and data after the value are errors.
//   - In Go, the option types — train.Options, its optimisers and
//     schedule, the mask configs — read a zero field as the default
//     documented on it ("0 → 64"), as gonum's optimize.Settings does, so
//     their zero values work; a field whose zero is a setting of its own
//     besides the default is a pointer (nil → default: train.Adam.Beta1,
//     mask's exc_pct, rnn.Config.Dale).
//   - The description types — rnn.Config and the task parameters — are
//     complete values: start from rnn.DefaultConfig() or tasks.DefaultX()
//     (nn4n's and the papers' values) and change fields; their zero
//     values describe no network or task (no dims, dt 0), and none of
//     their fields has a zero-means-default rule.
package config
