// Package npz reads and writes NumPy's .npy and .npz formats, so that masks,
// checkpoints and exported trajectories open with numpy.load.
//
// It lives in internal/ because it is plumbing shared by mask, rnn, train
// and the dale command; users meet its files, not its API.
//
// Supported element types: float32, float64, int32, int64 and uint8 (and,
// when reading, bool, which becomes uint8). Arrays are C-ordered (row-major);
// Fortran-ordered files are converted on reading. .npz archives are zip files
// with one NAME.npy entry per array, written compressed; writes are atomic.
package npz
