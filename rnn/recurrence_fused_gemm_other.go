//go:build !amd64 || purego

package rnn

// fusedHasKernel is false where there is no assembly kernel: products go to internal/blas.
const fusedHasKernel = false

func fusedKernel4x16(k int, a *float32, rs, cs int, b *float32, ldb int, c *float32, ldc int) {
	panic("rnn: fusedKernel4x16 called without an assembly kernel")
}

const fusedHasKernel512 = false

func fusedKernel4x32(k int, a *float32, rs, cs int, b *float32, ldb int, c *float32, ldc int) {
	panic("rnn: fusedKernel4x32 called without an assembly kernel")
}
