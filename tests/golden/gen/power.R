# Golden values of `retrotrial power` (issue 20): base R power.t.test and power.prop.test, and
# pwr::pwr.t.test / pwr::pwr.t2n.test, across a grid of n, effect, alpha and sidedness; plus an
# R simulation of the ANCOVA design factor (Borm, Fransen & Lemmens 2007).
#
# Usage (from the repository root; `just golden` runs it through regenerate.sh):
#   Rscript tests/golden/gen/power.R tests/golden/power/expected.json
#
# Root finding: R's default uniroot tolerance (.Machine$double.eps^0.25 ~ 1.2e-4) would make the
# golden n and delta only 4-digit values; tol = 1e-13 makes them the roots of the same equation
# that retrotrial solves, so the 1e-8 rule of spec section 7 checks the equation, not the stop.
# Debian packages: r-base-core, r-cran-jsonlite, r-cran-pwr.
suppressPackageStartupMessages({
  library(jsonlite)
  library(pwr)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: power.R OUT.json")
out <- args[1]
TOL <- 1e-13

cases <- list()
add <- function(...) cases[[length(cases) + 1]] <<- list(...)

# 1. power.t.test (strict = FALSE): power at n, n for a power, delta for n and power.
for (sides in c("two.sided", "one.sided")) {
  for (alpha in c(0.01, 0.05, 0.1)) {
    for (sd in c(1, 2.5)) {
      for (d in c(0.2, 0.5, 0.8, 1.2)) {
        delta <- d * sd
        for (n in c(5, 12, 30, 64, 200)) {
          p <- power.t.test(n = n, delta = delta, sd = sd, sig.level = alpha,
                            alternative = sides)$power
          add(kind = "t_power", sides = sides, alpha = alpha, sd = sd, delta = delta,
              n = n, power = p,
              call = sprintf("power.t.test(n = %g, delta = %g, sd = %g, sig.level = %g, alternative = '%s')$power",
                             n, delta, sd, alpha, sides))
        }
        for (target in c(0.8, 0.9)) {
          # Skip targets that R would only reach below n = 2 (retrotrial reports an error).
          if (power.t.test(n = 2, delta = delta, sd = sd, sig.level = alpha,
                           alternative = sides)$power >= target) next
          nn <- power.t.test(delta = delta, sd = sd, sig.level = alpha, power = target,
                             alternative = sides, tol = TOL)$n
          add(kind = "t_n", sides = sides, alpha = alpha, sd = sd, delta = delta,
              power = target, n = nn,
              call = sprintf("power.t.test(delta = %g, sd = %g, sig.level = %g, power = %g, alternative = '%s', tol = 1e-13)$n",
                             delta, sd, alpha, target, sides))
        }
      }
      for (n in c(8, 30, 120)) {
        for (target in c(0.8, 0.9)) {
          dd <- power.t.test(n = n, sd = sd, sig.level = alpha, power = target,
                             alternative = sides, tol = TOL)$delta
          add(kind = "t_delta", sides = sides, alpha = alpha, sd = sd, n = n,
              power = target, delta = dd,
              call = sprintf("power.t.test(n = %g, sd = %g, sig.level = %g, power = %g, alternative = '%s', tol = 1e-13)$delta",
                             n, sd, alpha, target, sides))
        }
      }
    }
  }
}

# 2. pwr: strict two-sided power (both tails) with equal and unequal arms, and one-sided.
for (alpha in c(0.01, 0.05)) {
  for (d in c(0.3, 0.6, 1)) {
    for (nn in list(c(10, 10), c(10, 20), c(25, 50), c(40, 30), c(100, 150))) {
      p2 <- pwr.t2n.test(n1 = nn[1], n2 = nn[2], d = d, sig.level = alpha)$power
      add(kind = "pwr_t2n", sides = "two.sided", alpha = alpha, d = d, n1 = nn[1],
          n2 = nn[2], power = p2,
          call = sprintf("pwr.t2n.test(n1 = %g, n2 = %g, d = %g, sig.level = %g)$power",
                         nn[1], nn[2], d, alpha))
      p1 <- pwr.t2n.test(n1 = nn[1], n2 = nn[2], d = d, sig.level = alpha,
                         alternative = "greater")$power
      add(kind = "pwr_t2n", sides = "one.sided", alpha = alpha, d = d, n1 = nn[1],
          n2 = nn[2], power = p1,
          call = sprintf("pwr.t2n.test(n1 = %g, n2 = %g, d = %g, sig.level = %g, alternative = 'greater')$power",
                         nn[1], nn[2], d, alpha))
    }
    pt2 <- pwr.t.test(n = 20, d = d, sig.level = alpha)$power
    add(kind = "pwr_t2n", sides = "two.sided", alpha = alpha, d = d, n1 = 20, n2 = 20,
        power = pt2,
        call = sprintf("pwr.t.test(n = 20, d = %g, sig.level = %g)$power", d, alpha))
  }
}

# 3. power.prop.test (strict = FALSE): power, n, and p2 for n and power.
for (sides in c("two.sided", "one.sided")) {
  for (alpha in c(0.01, 0.05)) {
    for (p1 in c(0.2, 0.4)) {
      for (p2 in c(0.35, 0.6, 0.75)) {
        for (n in c(20, 50, 150)) {
          pw <- power.prop.test(n = n, p1 = p1, p2 = p2, sig.level = alpha,
                                alternative = sides)$power
          add(kind = "prop_power", sides = sides, alpha = alpha, p1 = p1, p2 = p2, n = n,
              power = pw,
              call = sprintf("power.prop.test(n = %g, p1 = %g, p2 = %g, sig.level = %g, alternative = '%s')$power",
                             n, p1, p2, alpha, sides))
        }
        nn <- power.prop.test(p1 = p1, p2 = p2, sig.level = alpha, power = 0.8,
                              alternative = sides, tol = TOL)$n
        add(kind = "prop_n", sides = sides, alpha = alpha, p1 = p1, p2 = p2, power = 0.8,
            n = nn,
            call = sprintf("power.prop.test(p1 = %g, p2 = %g, sig.level = %g, power = 0.8, alternative = '%s', tol = 1e-13)$n",
                           p1, p2, alpha, sides))
      }
      for (n in c(40, 100)) {
        q2 <- power.prop.test(n = n, p1 = p1, sig.level = alpha, power = 0.8,
                              alternative = sides, tol = TOL)$p2
        add(kind = "prop_p2", sides = sides, alpha = alpha, p1 = p1, n = n, power = 0.8,
            p2 = q2,
            call = sprintf("power.prop.test(n = %g, p1 = %g, sig.level = %g, power = 0.8, alternative = '%s', tol = 1e-13)$p2",
                           n, p1, alpha, sides))
      }
    }
  }
}

# 4. The ANCOVA design (Borm factor with df N - 3 and slope inflation) against simulation: n per
# arm = ceiling((1 - rho^2) * n_t) (Borm's plain factor),
# simulated trials with baseline-follow-up correlation rho, analysed with
# lm(follow ~ arm + baseline); the rejection rate and its Monte-Carlo SE.
set.seed(20)
REPS <- 4000
for (rho in c(0.3, 0.6)) {
  for (d in c(0.5, 0.8)) {
    n_t <- power.t.test(delta = d, sd = 1, power = 0.8, tol = TOL)$n
    n_a <- ceiling((1 - rho^2) * n_t)
    arm <- rep(c(1, 0), each = n_a)
    X <- cbind(1, arm, 0)
    hits <- 0
    for (r in seq_len(REPS)) {
      base <- rnorm(2 * n_a)
      follow <- rho * base + sqrt(1 - rho^2) * rnorm(2 * n_a) + d * arm
      X[, 3] <- base
      fit <- lm.fit(X, follow)
      df <- 2 * n_a - 3
      s2 <- sum(fit$residuals^2) / df
      se <- sqrt(s2 * solve(crossprod(X))[2, 2])
      hits <- hits + (2 * pt(-abs(fit$coefficients[2] / se), df) < 0.05)
    }
    pw <- hits / REPS
    add(kind = "ancova_sim", rho = rho, delta = d, sd = 1, alpha = 0.05, n = n_a,
        power = pw, mc_se = sqrt(pw * (1 - pw) / REPS), reps = REPS,
        call = sprintf("simulated lm(follow ~ arm + baseline), rho = %g, delta = %g, n = %d per arm, %d trials, set.seed(20)",
                       rho, d, n_a, REPS))
  }
}

tmp <- paste0(out, ".tmp")
writeLines(toJSON(cases, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  pretty = TRUE), tmp)
invisible(file.rename(tmp, out))
cat(sprintf("power.R: %d cases -> %s\n", length(cases), out))
