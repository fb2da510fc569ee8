package mask

// Matrix is a dense row-major float32 matrix: element (i, j) is
// Data[i*Cols+j]. Masks are returned as Matrix values in (pre, post)
// orientation.
type Matrix struct {
	Rows, Cols int
	Data       []float32
}

// At returns element (i, j). It panics if i or j is out of range, like a
// slice index.
func (m *Matrix) At(i, j int) float32 {
	if i < 0 || i >= m.Rows || j < 0 || j >= m.Cols {
		panic("mask: Matrix.At index out of range")
	}
	return m.Data[i*m.Cols+j]
}

// Dims returns the number of rows and columns.
func (m *Matrix) Dims() (rows, cols int) { return m.Rows, m.Cols }

// Shape returns {Rows, Cols}, the shape numpy gives the matrix.
func (m *Matrix) Shape() []int { return []int{m.Rows, m.Cols} }

// grid is the compact form masks are kept in: entries are −1, 0 or +1.
type grid struct {
	rows, cols int
	data       []int8
}

func newGrid(rows, cols int) grid {
	return grid{rows: rows, cols: cols, data: make([]int8, rows*cols)}
}

// matrix converts to float32; with abs, −1 becomes 1 (a sparsity mask).
func (g grid) matrix(abs bool) *Matrix {
	m := &Matrix{Rows: g.rows, Cols: g.cols, Data: make([]float32, len(g.data))}
	for i, v := range g.data {
		if abs && v < 0 {
			v = -v
		}
		m.Data[i] = float32(v)
	}
	return m
}

// nonzeroRows returns the rows holding at least one nonzero entry.
func (g grid) nonzeroRows() []int {
	out := []int{}
	for i := 0; i < g.rows; i++ {
		for _, v := range g.data[i*g.cols : (i+1)*g.cols] {
			if v != 0 {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// nonzeroCols returns, as a per-column flag, which columns hold a nonzero
// entry.
func (g grid) nonzeroCols() []bool {
	out := make([]bool, g.cols)
	for i := 0; i < g.rows; i++ {
		row := g.data[i*g.cols : (i+1)*g.cols]
		for j, v := range row {
			if v != 0 {
				out[j] = true
			}
		}
	}
	return out
}
