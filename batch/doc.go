// Package batch holds the one data type that tasks produce and training
// consumes: a batch of trials with inputs, targets, a loss mask and what
// each trial was.
//
// It is its own small package so that tasks and train can share the type
// without importing each other, and so that a user can write a batch source
// of their own (a recorded data set, say) without depending on either.
//
// Arrays are float32, row-major, shaped [Size, Steps, channels]: element
// (b, t, c) of Inputs is Inputs[(b*Steps+t)*In+c].
package batch
