import Foundation

/// An 8-bit grey image, rows packed without padding.
public struct GreyImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height, "pixel buffer does not match the size")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// Where a transformed copy's pixels came from, to map symbol positions back to the original image.
struct ImageTransform: Sendable {
    /// Original pixels per working pixel (2 for a half-scale decode).
    var scale: Double = 1
    /// Rotation applied after scaling, in degrees counter-clockwise, about the centre of the scaled image.
    var degrees: Double = 0
    /// Size of the scaled image before rotation, and of the rotated canvas.
    var scaledWidth: Int = 0
    var scaledHeight: Int = 0
    var canvasWidth: Int = 0
    var canvasHeight: Int = 0

    /// Maps a point of the working image to original-image pixels.
    func original(x: Double, y: Double) -> (x: Double, y: Double) {
        var px = x
        var py = y
        if degrees != 0 {
            let radians = degrees * .pi / 180
            let (c, s) = (cos(radians), sin(radians))
            let dx = x - Double(canvasWidth) / 2
            let dy = y - Double(canvasHeight) / 2
            // The inverse of the forward rotation used by `rotated(by:)`.
            px = c * dx - s * dy + Double(scaledWidth) / 2
            py = s * dx + c * dy + Double(scaledHeight) / 2
        }
        return (px * scale, py * scale)
    }
}

/// Whether a loop over an image's rows should stop: checked every 16 rows, so a transform of any size stops
/// within a few milliseconds of its decode's deadline.
@inline(__always)
func pastDeadline(_ deadline: ContinuousClock.Instant?, row: Int) -> Bool {
    guard let deadline, row & 15 == 0 else { return false }
    return ContinuousClock.now >= deadline
}

extension GreyImage {
    /// A new `w`×`h` image (every pixel `fill` first) written row by row by `row(y, source, destination)`; nil
    /// when `deadline` passes between two rows.
    private func built(
        width w: Int, height h: Int, fill: UInt8 = 0, until deadline: ContinuousClock.Instant?,
        _ row: (Int, UnsafeBufferPointer<UInt8>, UnsafeMutableBufferPointer<UInt8>) -> Void
    ) -> GreyImage? {
        var out = [UInt8](repeating: fill, count: w * h)
        var stopped = false
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    if pastDeadline(deadline, row: y) {
                        stopped = true
                        return
                    }
                    row(y, src, dst)
                }
            }
        }
        return stopped ? nil : GreyImage(width: w, height: h, pixels: out)
    }

    /// A copy halved in both directions by 2×2 box averaging (for formats without DCT scaling); nil when
    /// `deadline` passes first.
    func halved(until deadline: ContinuousClock.Instant? = nil) -> GreyImage? {
        let w = width / 2
        let h = height / 2
        guard w > 0, h > 0 else { return self }
        let width = self.width
        return built(width: w, height: h, until: deadline) { y, src, dst in
            let r0 = 2 * y * width
            let r1 = r0 + width
            let o = y * w
            for x in 0..<w {
                let sum = Int(src[r0 + 2 * x]) + Int(src[r0 + 2 * x + 1]) + Int(src[r1 + 2 * x]) + Int(src[r1 + 2 * x + 1])
                dst[o + x] = UInt8(truncatingIfNeeded: (sum + 2) >> 2)
            }
        }
    }

    /// A copy rotated by `degrees` (counter-clockwise) onto a canvas that holds the whole image, bilinear, with
    /// the uncovered corners filled white so they draw no edges; nil when `deadline` passes first.
    func rotated(by degrees: Double, until deadline: ContinuousClock.Instant? = nil) -> GreyImage? {
        let radians = degrees * .pi / 180
        let (c, s) = (cos(radians), sin(radians))
        let (cw, ch) = Self.rotatedCanvas(width: width, height: height, degrees: degrees)
        let srcW = width
        let srcH = height
        // Fixed point with 16 fractional bits: source position of canvas pixel (x, y).
        let one = 65536.0
        let stepXx = Int((c * one).rounded())
        let stepXy = Int((s * one).rounded())
        return built(width: cw, height: ch, fill: 255, until: deadline) { y, src, dst in
            let dy = Double(y) - Double(ch) / 2
            let dx0 = -Double(cw) / 2
            var sx = Int(((c * dx0 - s * dy + Double(srcW) / 2) * one).rounded())
            var sy = Int(((s * dx0 + c * dy + Double(srcH) / 2) * one).rounded())
            let row = y * cw
            for x in 0..<cw {
                let ix = sx >> 16
                let iy = sy >> 16
                if ix >= 0, iy >= 0, ix < srcW - 1, iy < srcH - 1 {
                    let fx = sx & 0xFFFF
                    let fy = sy & 0xFFFF
                    let p = iy * srcW + ix
                    let top = Int(src[p]) * (65536 - fx) + Int(src[p + 1]) * fx
                    let bottom = Int(src[p + srcW]) * (65536 - fx) + Int(src[p + srcW + 1]) * fx
                    let v = ((top >> 8) * (65536 - fy) + (bottom >> 8) * fy) >> 24
                    dst[row + x] = UInt8(truncatingIfNeeded: v)
                }
                sx += stepXx
                sy += stepXy
            }
        }
    }

    /// The canvas `rotated(by:)` draws on, to charge it before it is allocated.
    static func rotatedCanvas(width: Int, height: Int, degrees: Double) -> (width: Int, height: Int) {
        let radians = degrees * .pi / 180
        let (c, s) = (cos(radians), sin(radians))
        return (
            Int((abs(Double(width) * c) + abs(Double(height) * s)).rounded(.up)),
            Int((abs(Double(width) * s) + abs(Double(height) * c)).rounded(.up))
        )
    }

    /// A copy with the 1st–99th percentile range stretched to 0–255 (low-contrast and washed-out photos); nil
    /// when `deadline` passes first.
    func stretched(until deadline: ContinuousClock.Instant? = nil) -> GreyImage? {
        var histogram = [Int](repeating: 0, count: 256)
        var stopped = false
        pixels.withUnsafeBufferPointer { src in
            for y in 0..<height {
                if pastDeadline(deadline, row: y) {
                    stopped = true
                    return
                }
                for p in src[(y * width)..<((y + 1) * width)] { histogram[Int(p)] += 1 }
            }
        }
        if stopped { return nil }
        let cut = pixels.count / 100
        var low = 0
        var seen = 0
        while low < 255, seen + histogram[low] <= cut {
            seen += histogram[low]
            low += 1
        }
        var high = 255
        seen = 0
        while high > 0, seen + histogram[high] <= cut {
            seen += histogram[high]
            high -= 1
        }
        guard high > low else { return self }
        var table = [UInt8](repeating: 0, count: 256)
        for v in 0..<256 { table[v] = UInt8(max(0, min(255, (v - low) * 255 / (high - low)))) }
        return mapped(until: deadline) { table[Int($0)] }
    }

    /// The negative (light codes printed on a dark ground); nil when `deadline` passes first.
    func inverted(until deadline: ContinuousClock.Instant? = nil) -> GreyImage? {
        mapped(until: deadline) { 255 - $0 }
    }

    /// Each pixel through `transform`, row by row; nil when `deadline` passes first.
    private func mapped(until deadline: ContinuousClock.Instant?, _ transform: (UInt8) -> UInt8) -> GreyImage? {
        let width = self.width
        return built(width: width, height: height, until: deadline) { y, src, dst in
            for index in (y * width)..<((y + 1) * width) { dst[index] = transform(src[index]) }
        }
    }

    /// A copy binarised against the local mean over a square window (shadows, glare, uneven light).
    func locallyThresholded(radius: Int, until deadline: ContinuousClock.Instant? = nil) -> GreyImage? {
        let w = width
        let h = height
        // Integral image; rows of w+1 to avoid edge cases.
        var integral = [Int](repeating: 0, count: (w + 1) * (h + 1))
        pixels.withUnsafeBufferPointer { src in
            integral.withUnsafeMutableBufferPointer { sum in
                for y in 0..<h {
                    if pastDeadline(deadline, row: y) { return }
                    var rowSum = 0
                    for x in 0..<w {
                        rowSum += Int(src[y * w + x])
                        sum[(y + 1) * (w + 1) + x + 1] = sum[y * (w + 1) + x + 1] + rowSum
                    }
                }
            }
        }
        if deadline.map({ ContinuousClock.now >= $0 }) == true { return nil }
        return integral.withUnsafeBufferPointer { sum in
            built(width: w, height: h, until: deadline) { y, src, dst in
                let y0 = max(0, y - radius)
                let y1 = min(h, y + radius + 1)
                for x in 0..<w {
                    let x0 = max(0, x - radius)
                    let x1 = min(w, x + radius + 1)
                    let total = sum[y1 * (w + 1) + x1] - sum[y0 * (w + 1) + x1] - sum[y1 * (w + 1) + x0] + sum[y0 * (w + 1) + x0]
                    let count = (y1 - y0) * (x1 - x0)
                    // A small bias keeps flat paper white instead of amplifying its noise.
                    dst[y * w + x] = Int(src[y * w + x]) * count * 100 < total * 95 ? 0 : 255
                }
            }
        }
    }

    /// A copy doubled in both directions, bilinear (codes under ~2 px per module on small frames); nil when
    /// `deadline` passes first.
    func doubled(until deadline: ContinuousClock.Instant? = nil) -> GreyImage? {
        let w = width * 2
        let h = height * 2
        let (width, height) = (self.width, self.height)
        return built(width: w, height: h, until: deadline) { y, src, dst in
            let sy = min(height - 1, y / 2)
            let sy1 = min(height - 1, sy + (y & 1))
            for x in 0..<w {
                let sx = min(width - 1, x / 2)
                let sx1 = min(width - 1, sx + (x & 1))
                let sum =
                    Int(src[sy * width + sx]) + Int(src[sy * width + sx1]) + Int(src[sy1 * width + sx])
                    + Int(src[sy1 * width + sx1])
                dst[y * w + x] = UInt8(truncatingIfNeeded: (sum + 2) >> 2)
            }
        }
    }
}

extension GreyImage {
    /// The rectangle `x`, `y`, `width`, `height` (inside the image) resampled by `factor`, bilinear: a new pixel
    /// grid over the same area, so a code in it is sampled afresh. With a `slope`, each column is taken that many
    /// rows lower per column right of `x` (a parallelogram over a slanted text line, made level).
    func resampledCrop(
        x: Int, y: Int, width cropWidth: Int, height cropHeight: Int, factor: Double, slope: Double = 0
    ) -> GreyImage {
        let w = max(1, Int((Double(cropWidth) * factor).rounded()))
        let h = max(1, Int((Double(cropHeight) * factor).rounded()))
        var out = [UInt8](repeating: 255, count: w * h)
        let maxX = Double(width - 1)
        let maxY = Double(height - 1)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<h {
                    let level = Double(y) + (Double(oy) + 0.5) / factor - 0.5
                    for ox in 0..<w {
                        let along = (Double(ox) + 0.5) / factor - 0.5
                        let sx = min(maxX, max(0, Double(x) + along))
                        let sy = min(maxY, max(0, level + slope * along))
                        let y0 = Int(sy)
                        let y1 = min(height - 1, y0 + 1)
                        let fy = sy - Double(y0)
                        let x0 = Int(sx)
                        let x1 = min(width - 1, x0 + 1)
                        let fx = sx - Double(x0)
                        let top = Double(src[y0 * width + x0]) * (1 - fx) + Double(src[y0 * width + x1]) * fx
                        let bottom = Double(src[y1 * width + x0]) * (1 - fx) + Double(src[y1 * width + x1]) * fx
                        dst[oy * w + ox] = UInt8(max(0, min(255, (top * (1 - fy) + bottom * fy).rounded())))
                    }
                }
            }
        }
        return GreyImage(width: w, height: h, pixels: out)
    }
}

/// The crop a confirming scan looks at: the area around one read in the working image of the pass that read
/// it, padded to take in the whole code, resampled so its modules land on a different pixel grid (upscaled
/// when they are thin, downscaled when thick).
struct ConfirmCrop {
    let image: GreyImage
    let originX: Int
    let originY: Int
    let factor: Double

    /// `points` are the decoder's locations of the read (for a 1D code, where its scan lines ended: both ends
    /// of the code) in `working`'s pixels; nil when they do not make a usable area.
    init?(points: [(x: Int, y: Int)], text: String, in working: GreyImage) {
        guard let minX = points.map(\.x).min(), let maxX = points.map(\.x).max(), let minY = points.map(\.y).min(),
            let maxY = points.map(\.y).max()
        else { return nil }
        let long = max(maxX - minX, maxY - minY)
        // The code's length in modules (Code 128: 11 per character, digit pairs sharing one, plus start, check
        // and stop), to estimate its pixels per module.
        let digits = text.filter(\.isNumber).count
        let others = text.count - digits
        let modules = 11 * (others + (digits + 1) / 2 + 3) + 2
        guard long >= 16 else { return nil }
        let perModule = Double(long) / Double(modules)
        let factor = perModule < 2.5 ? 2.0 : perModule < 4.5 ? 1.5 : 0.75
        // Padding: the bars' full height across the code and a quiet zone along it.
        let pad = long / 4 + 8
        let x0 = max(0, minX - pad)
        let y0 = max(0, minY - pad)
        let x1 = min(working.width, maxX + pad + 1)
        let y1 = min(working.height, maxY + pad + 1)
        guard x1 - x0 >= 8, y1 - y0 >= 8 else { return nil }
        self.image = working.resampledCrop(x: x0, y: y0, width: x1 - x0, height: y1 - y0, factor: factor)
        self.originX = x0
        self.originY = y0
        self.factor = factor
    }

    /// Maps a point of the crop back to the working image.
    func working(x: Double, y: Double) -> (x: Double, y: Double) {
        (Double(originX) + x / factor, Double(originY) + y / factor)
    }
}

/// The structure tensor of an image window's grey gradients (central differences): how strongly and how
/// consistently they point one way. Bars give a coherence near 1 and an angle across them.
struct GradientTensor {
    var jxx = 0.0
    var jyy = 0.0
    var jxy = 0.0

    var trace: Double { jxx + jyy }
    /// 1 for parallel edges, 0 for no preferred direction (0 on a flat window).
    var coherence: Double { trace > 0 ? ((jxx - jyy) * (jxx - jyy) + 4 * jxy * jxy).squareRoot() / trace : 0 }
    /// The gradients' direction, radians, modulo π.
    var angle: Double { 0.5 * atan2(2 * jxy, jxx - jyy) }
}

extension GreyImage {
    /// The gradient tensor over columns `xs` and rows `ys`, every `step`-th pixel; both ranges must keep a pixel
    /// between them and the image's edge.
    func gradientTensor(xs: ClosedRange<Int>, ys: ClosedRange<Int>, step: Int = 1) -> GradientTensor {
        var tensor = GradientTensor()
        pixels.withUnsafeBufferPointer { src in
            let w = width
            for y in stride(from: ys.lowerBound, through: ys.upperBound, by: step) {
                for x in stride(from: xs.lowerBound, through: xs.upperBound, by: step) {
                    let gx = Double(src[y * w + x + 1]) - Double(src[y * w + x - 1])
                    let gy = Double(src[(y + 1) * w + x]) - Double(src[(y - 1) * w + x])
                    tensor.jxx += gx * gx
                    tensor.jyy += gy * gy
                    tensor.jxy += gx * gy
                }
            }
        }
        return tensor
    }
}
