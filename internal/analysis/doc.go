// Package analysis holds the small numerical analyses behind dale's
// figures and reports: principal components of hidden-state trajectories
// (PCA), eigenvalues and spectral radius of a recurrent weight matrix
// (package rnn scales its initial weights to a spectral_radius with it),
// and the split of a weight matrix's entries by the type of the
// sending neuron (for weight distributions). Every function takes plain
// slices (row-major matrices), checks its input and returns an error
// instead of panicking. (Psychometric fits live with the tasks that define
// the evidence: tasks.Psychometrics and tasks.FitProbit.)
package analysis
