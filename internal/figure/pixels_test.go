package figure

import (
	"image"
	"image/color"
	"testing"

	"github.com/dale-rnn/dale/internal/pngtest"
)

// pixelsTestDecode decodes the PNG at path and checks its size.
func pixelsTestDecode(t *testing.T, path string, w, h int) image.Image {
	t.Helper()
	img := pngtest.Decode(t, path)
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("%s is %d×%d pixels, want %d×%d", path, b.Dx(), b.Dy(), w, h)
	}
	return img
}

// pixelsTestCount counts the pixels of img within r that match.
var pixelsTestCount = pngtest.Count

// pixelsTestNear matches colours within tol of c in every channel.
func pixelsTestNear(c color.Color, tol int) func(r, g, b uint8) bool {
	cr, cg, cb, _ := c.RGBA()
	want := [3]int{int(cr >> 8), int(cg >> 8), int(cb >> 8)}
	return func(r, g, b uint8) bool {
		for i, v := range [3]int{int(r), int(g), int(b)} {
			if d := v - want[i]; d > tol || d < -tol {
				return false
			}
		}
		return true
	}
}
