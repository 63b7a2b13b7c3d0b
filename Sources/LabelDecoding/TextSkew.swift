import Foundation

/// The skew of printed lines in a rectified crop, by projection profiles (the classic deskew of OCR front ends):
/// the ink is summed along each candidate slant, and the slant whose row sums step most sharply, where text lines
/// and rules each fall into few rows, is the lines' own. The crop's direction comes from the barcode's bars, whose
/// angle a gradient measures poorly at about one pixel per module (central differences barely see a two-pixel
/// period), and from a region's blocks where no decoder read the code: such crops came out 5–19° off (seeds 202
/// and 606), too far for Tesseract and for `RecipientLine`'s rules (searched to ±11°).
enum TextSkew {
    /// Slants tried, in degrees.
    static let maxDegrees = 20.0
    static let stepDegrees = 0.5
    /// The best slant is reported only when its measure beats the level one's by this much: on a level crop, noise
    /// picks some other slant by a hair (a slanted crop's beat it 4–20 times on the photos looked at).
    static let gainOverLevel = 1.08

    /// The lines' slant in `crop` as an angle in radians (positive: they run down to the right, image rows
    /// growing downwards); 0 when no slant is clearly better than level, or too little ink to tell.
    static func angle(in crop: GreyImage, inkBelow: UInt8 = RecipientLine.inkBelow) -> Double {
        let width = crop.width
        let height = crop.height
        guard width >= 32, height >= 32 else { return 0 }
        // Ink pixels on every other column (a crop is ~600 × 400 px), every row: rows skipped would leave the level
        // slant's profile bins alternately empty, more peaked than any other slant's for no reason.
        var inkX: [Double] = []
        var inkY: [Double] = []
        crop.pixels.withUnsafeBufferPointer { src in
            for y in 0..<height {
                for x in stride(from: 0, to: width, by: 2) where src[y * width + x] < inkBelow {
                    inkX.append(Double(x - width / 2))
                    inkY.append(Double(y))
                }
            }
        }
        // Mostly ink (a dark background) or almost none: no lines to measure.
        let samples = (width / 2) * height
        guard inkX.count >= samples / 100, inkX.count <= samples / 2 else { return 0 }
        let span = Int((Double(width) / 2 * tan(maxDegrees * .pi / 180)).rounded(.up)) + 1
        var profile = [Double](repeating: 0, count: height + 2 * span + 1)
        func peakedness(_ degrees: Double) -> Double {
            let slope = tan(degrees * .pi / 180)
            for index in profile.indices { profile[index] = 0 }
            for index in inkX.indices {
                let row = Int((inkY[index] - slope * inkX[index]).rounded()) + span
                profile[row] += 1
            }
            // Postl's measure: the squared steps between neighbouring row sums. Lines make many steep steps; a
            // textured background beside the label adds ink to every row at every slant, and its straight edge one
            // step, where the plain sum of squares (the profile's spread) followed that edge.
            var sum = 0.0
            for index in 1..<profile.count {
                let step = profile[index] - profile[index - 1]
                sum += step * step
            }
            return sum
        }
        let level = peakedness(0)
        var best = (degrees: 0.0, score: level)
        for degrees in stride(from: -maxDegrees, through: maxDegrees, by: stepDegrees) where degrees != 0 {
            let score = peakedness(degrees)
            if score > best.score { best = (degrees, score) }
        }
        guard best.degrees != 0, best.score > level * gainOverLevel else { return 0 }
        return best.degrees * .pi / 180
    }
}
