//! The rectangular linear sum assignment problem, as `scipy.optimize.linear_sum_assignment`.
//!
//! Shortest augmenting paths with dual potentials (Jonker & Volgenant 1987, in the rectangular
//! form of D. F. Crouse, "On implementing 2D rectangular assignment algorithms", IEEE Trans.
//! Aerospace and Electronic Systems 52(4), 2016): one Dijkstra-like search per row, O(n²m).
//! The steps follow scipy's `rectangular_lsap.cpp` (the same scan order and tie rules), so that
//! ties between equally cheap assignments are broken the same way. A cost matrix with more rows
//! than columns is solved transposed; every row (or every column) is assigned, min(rows, cols)
//! pairs in all, returned sorted by row.

/// Why no assignment exists.
#[derive(Debug, PartialEq, Eq)]
pub enum LsapError {
    /// NaN or −∞ in the cost matrix.
    Invalid,
    /// No complete assignment with finite cost.
    Infeasible,
}

/// Minimum-cost assignment for `cost` (`nr` × `nc`, row-major). Returns (row, column) pairs
/// sorted by row.
pub fn linear_sum_assignment(
    cost: &[f64],
    nr: usize,
    nc: usize,
) -> Result<Vec<(usize, usize)>, LsapError> {
    assert_eq!(cost.len(), nr * nc);
    if nr == 0 || nc == 0 {
        return Ok(Vec::new());
    }
    let transpose = nc < nr;
    let (nr2, nc2, c): (usize, usize, Vec<f64>) = if transpose {
        let mut t = vec![0.0; nr * nc];
        for i in 0..nr {
            for j in 0..nc {
                t[j * nr + i] = cost[i * nc + j];
            }
        }
        (nc, nr, t)
    } else {
        (nr, nc, cost.to_vec())
    };
    if c.iter().any(|&x| x.is_nan() || x == f64::NEG_INFINITY) {
        return Err(LsapError::Invalid);
    }
    let (nr, nc) = (nr2, nc2);
    let mut u = vec![0.0; nr];
    let mut v = vec![0.0; nc];
    let mut shortest = vec![f64::INFINITY; nc];
    let mut path = vec![usize::MAX; nc];
    let mut col4row = vec![usize::MAX; nr];
    let mut row4col = vec![usize::MAX; nc];
    let mut sr = vec![false; nr];
    let mut sc = vec![false; nc];
    let mut remaining = vec![0usize; nc];

    for cur_row in 0..nr {
        // Shortest augmenting path from cur_row.
        let mut min_val = 0.0;
        let mut num_remaining = nc;
        for (it, r) in remaining.iter_mut().enumerate() {
            *r = nc - it - 1;
        }
        sr.iter_mut().for_each(|x| *x = false);
        sc.iter_mut().for_each(|x| *x = false);
        shortest.iter_mut().for_each(|x| *x = f64::INFINITY);
        let mut i = cur_row;
        let sink = loop {
            let mut index = usize::MAX;
            let mut lowest = f64::INFINITY;
            sr[i] = true;
            for (it, &j) in remaining[..num_remaining].iter().enumerate() {
                let r = min_val + c[i * nc + j] - u[i] - v[j];
                if r < shortest[j] {
                    path[j] = i;
                    shortest[j] = r;
                }
                if shortest[j] < lowest || (shortest[j] == lowest && row4col[j] == usize::MAX) {
                    lowest = shortest[j];
                    index = it;
                }
            }
            min_val = lowest;
            if min_val == f64::INFINITY {
                return Err(LsapError::Infeasible);
            }
            let j = remaining[index];
            sc[j] = true;
            num_remaining -= 1;
            remaining[index] = remaining[num_remaining];
            if row4col[j] == usize::MAX {
                break j;
            }
            i = row4col[j];
        };
        // Update the duals.
        u[cur_row] += min_val;
        for r in 0..nr {
            if sr[r] && r != cur_row {
                u[r] += min_val - shortest[col4row[r]];
            }
        }
        for j in 0..nc {
            if sc[j] {
                v[j] -= min_val - shortest[j];
            }
        }
        // Augment.
        let mut j = sink;
        loop {
            let r = path[j];
            row4col[j] = r;
            std::mem::swap(&mut col4row[r], &mut j);
            if r == cur_row {
                break;
            }
        }
    }
    let mut pairs: Vec<(usize, usize)> = if transpose {
        (0..nr).map(|r| (col4row[r], r)).collect()
    } else {
        (0..nr).map(|r| (r, col4row[r])).collect()
    };
    pairs.sort_unstable();
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(cost: &[f64], nr: usize, nc: usize) -> f64 {
        // rows ≤ cols: try every injective map rows → cols.
        fn go(r: usize, used: &mut Vec<bool>, cost: &[f64], nr: usize, nc: usize) -> f64 {
            if r == nr {
                return 0.0;
            }
            let mut best = f64::INFINITY;
            for j in 0..nc {
                if !used[j] {
                    used[j] = true;
                    best = best.min(cost[r * nc + j] + go(r + 1, used, cost, nr, nc));
                    used[j] = false;
                }
            }
            best
        }
        go(0, &mut vec![false; nc], cost, nr, nc)
    }

    #[test]
    fn scipy_example_and_brute_force() {
        let cost = [4.0, 1.0, 3.0, 2.0, 0.0, 5.0, 3.0, 2.0, 2.0];
        assert_eq!(
            linear_sum_assignment(&cost, 3, 3).unwrap(),
            vec![(0, 1), (1, 0), (2, 2)]
        );
        let mut s = 1u64;
        for (nr, nc) in [(3, 5), (5, 3), (4, 4), (2, 6), (6, 1)] {
            let cost: Vec<f64> = (0..nr * nc)
                .map(|_| {
                    s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
                    (s >> 33) as f64 / 2f64.powi(31)
                })
                .collect();
            let pairs = linear_sum_assignment(&cost, nr, nc).unwrap();
            assert_eq!(pairs.len(), nr.min(nc));
            let total: f64 = pairs.iter().map(|&(r, c)| cost[r * nc + c]).sum();
            let best = if nr <= nc {
                brute(&cost, nr, nc)
            } else {
                let t: Vec<f64> = (0..nc * nr).map(|k| cost[(k % nr) * nc + k / nr]).collect();
                brute(&t, nc, nr)
            };
            assert!((total - best).abs() < 1e-12, "{nr}x{nc}: {total} vs {best}");
        }
    }

    #[test]
    fn constant_costs_give_the_identity() {
        assert_eq!(
            linear_sum_assignment(&[1.0; 9], 3, 3).unwrap(),
            vec![(0, 0), (1, 1), (2, 2)]
        );
        assert_eq!(
            linear_sum_assignment(&[f64::NAN], 1, 1),
            Err(LsapError::Invalid)
        );
    }
}
