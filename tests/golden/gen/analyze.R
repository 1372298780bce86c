#!/usr/bin/env Rscript
# analyze.R: the R reference that produces retrotrial's golden records.
#
#   Rscript tests/golden/gen/analyze.R INPUT.csv OUTPUT.json \
#       [--seed 20240601] [--permutations 10000] [--bootstrap 2000]
#
# The contract is the spec records.md (§1-§5, §6.3, §7). This script computes the participant-level
# analyses of `retrotrial analyze` except the LMM / MMRM / responders / flow: descriptives,
# paired_t, wilcoxon_signed_rank, welch_t, student_t, mann_whitney, hedges_g, rank_biserial,
# ancova, anova_oneway, welch_anova, kruskal_wallis, permutation, bootstrap and multiplicity.
# Every number comes from the R function the spec names; formulas are written out here only where
# the spec defines the quantity itself (BCa, permutation p, z of the rank tests, NCT CI).
#
# It writes a JSON list of records (§1/§2) in plan order: grouped by outcome (§3 order), and
# within an outcome by analysis in the order of the list above, multiplicity last.
#
# Input reading and validation, ordering, the complete cases and the JSON output (HEADER,
# KNOWN_ARMS, KNOWN_OUTCOMES, read_trial, csort, order_known_first, order_timepoints,
# complete_cases, write_records) come from common.R, shared with the other golden scripts.

suppressPackageStartupMessages({
  library(jsonlite)
  library(metafor)
  library(boot)
})

# Alphabetical tie-breaks must not depend on the machine's locale (Rust compares bytes).
invisible(Sys.setlocale("LC_COLLATE", "C"))

# HEADER, KNOWN_ARMS, KNOWN_OUTCOMES, read_trial, csort, order_known_first, order_timepoints,
# complete_cases, write_records: common.R, next to this script.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])), "common.R"))

Z975 <- qnorm(0.975)

# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

parse_args <- function(args) {
  opts <- list(seed = 20240601, permutations = 10000, bootstrap = 2000)
  pos <- character(0)
  i <- 1L
  while (i <= length(args)) {
    a <- args[[i]]
    if (grepl("^--[a-z]+=", a)) {
      key <- sub("^--([a-z]+)=.*$", "\\1", a)
      val <- sub("^--[a-z]+=", "", a)
    } else if (startsWith(a, "--")) {
      key <- substring(a, 3L)
      if (i == length(args)) stop("option ", a, " needs a value")
      i <- i + 1L
      val <- args[[i]]
    } else {
      pos <- c(pos, a)
      i <- i + 1L
      next
    }
    if (!key %in% names(opts)) stop("unknown option --", key)
    num <- suppressWarnings(as.numeric(val))
    if (is.na(num) || num != round(num) || num < 1) stop("--", key, " needs a positive integer")
    opts[[key]] <- num
    i <- i + 1L
  }
  if (length(pos) != 2L) {
    stop("usage: Rscript analyze.R INPUT.csv OUTPUT.json [--seed N] [--permutations B] [--bootstrap B]")
  }
  opts$input <- pos[[1]]
  opts$output <- pos[[2]]
  opts
}

# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------

# NULL/NA/NaN/Inf all become JSON null (toJSON na = "null"); numbers lose R names.
num <- function(x) {
  if (is.null(x) || length(x) == 0L) return(NA_real_)
  x <- unname(x)
  if (is.logical(x) && all(is.na(x))) return(NA_real_)
  x
}

rec <- function(outcome, analysis, contrast, statistic_name, statistic = NA, df = NA,
                p_value = NA, estimate = NA, ci_low = NA, ci_high = NA, extra = list()) {
  stopifnot(length(extra) > 0L, !is.null(names(extra)))
  list(outcome = outcome, analysis = analysis, contrast = contrast,
       statistic_name = statistic_name, statistic = num(statistic), df = num(df),
       p_value = num(p_value), estimate = num(estimate), ci_low = num(ci_low),
       ci_high = num(ci_high),
       extra = lapply(extra, function(v) if (is.character(v)) unname(v) else num(v)))
}

# Run one unit of work; on error print it to stderr and return no records (§3: a failure omits
# only its own records).
attempt <- function(label, expr) {
  tryCatch(expr, error = function(e) {
    message(sprintf("FAILED %s: %s", label, conditionMessage(e)))
    list()
  })
}

t_ci <- function(est, se, df) est + c(-1, 1) * qt(0.975, df) * se

# ---------------------------------------------------------------------------------------------
# Per-outcome analysis sets
# ---------------------------------------------------------------------------------------------

# complete_cases(d_o, last_tp) is in common.R.
changes_of <- function(cc, arm) cc$change[cc$arm == arm]

# ---------------------------------------------------------------------------------------------
# Analyses. Each takes the outcome context `ctx` and returns a list of records.
# ---------------------------------------------------------------------------------------------

describe <- function(v) {
  n <- length(v)
  m <- mean(v)
  s <- if (n > 1) sd(v) else NA_real_
  se <- s / sqrt(n)
  q <- quantile(v, c(0.25, 0.5, 0.75), type = 7, names = FALSE)
  ci <- if (n > 1) t_ci(m, se, n - 1) else c(NA_real_, NA_real_)
  list(n = n, mean = m, sd = s, se = se, ci = ci, median = q[2], q1 = q[1], q3 = q[3],
       min = min(v), max = max(v))
}

an_descriptives <- function(ctx) {
  out <- list()
  d_o <- ctx$d_o
  desc_rec <- function(contrast, v, n_empty) {
    s <- describe(v)
    rec(ctx$outcome, "descriptives", contrast, "mean", statistic = s$mean, df = s$n - 1,
        p_value = NA, estimate = s$mean, ci_low = s$ci[1], ci_high = s$ci[2],
        extra = list(n = s$n, sd = s$sd, se = s$se, median = s$median, q1 = s$q1, q3 = s$q3,
                     min = s$min, max = s$max, n_empty = n_empty, quantile_type = 7L))
  }
  for (arm in ctx$arms) {
    for (tp in ctx$timepoints) {
      cell <- d_o$value[d_o$arm == arm & d_o$timepoint == tp]
      v <- cell[!is.na(cell)]
      if (length(v) < 1L) next
      out[[length(out) + 1L]] <- attempt(
        sprintf("%s descriptives %s@%s", ctx$outcome, arm, tp),
        desc_rec(paste0(arm, "@", tp), v, sum(is.na(cell))))
    }
  }
  for (arm in ctx$arms) {
    v <- changes_of(ctx$cc, arm)
    if (length(v) < 1L) next
    out[[length(out) + 1L]] <- attempt(
      sprintf("%s descriptives %s@change", ctx$outcome, arm),
      desc_rec(paste0(arm, "@change"), v, NA))
  }
  Filter(length, out)
}

an_paired_t <- function(ctx) {
  out <- list()
  for (arm in ctx$arms) {
    ch <- changes_of(ctx$cc, arm)
    if (length(ch) < 2L) next
    out[[length(out) + 1L]] <- attempt(sprintf("%s paired_t %s", ctx$outcome, arm), {
      # t.test(change, mu = 0) is t.test(last, base, paired = TRUE) on the rounded changes.
      tt <- t.test(ch, mu = 0)
      rec(ctx$outcome, "paired_t", paste0(arm, ":", ctx$last_tp, "-baseline"), "t",
          statistic = tt$statistic, df = tt$parameter, p_value = tt$p.value,
          estimate = tt$estimate, ci_low = tt$conf.int[1], ci_high = tt$conf.int[2],
          extra = list(n = length(ch), sd_diff = sd(ch), se = tt$stderr))
    })
  }
  Filter(length, out)
}

# R does not return z; rebuild it exactly as wilcox.test does in its normal branch (ties counted
# with table() of the ranks, continuity correction 0.5·sign). Null when R used the exact branch.
signed_rank_z <- function(nonzero, V) {
  n <- length(nonzero)
  ties <- table(rank(abs(nonzero)))
  z <- V - n * (n + 1) / 4
  sigma <- sqrt(n * (n + 1) * (2 * n + 1) / 24 - sum(ties^3 - ties) / 48)
  (z - sign(z) * 0.5) / sigma
}

rank_sum_z <- function(x, y, U) {
  nx <- length(x); ny <- length(y)
  ties <- table(rank(c(x, y)))
  z <- U - nx * ny / 2
  sigma <- sqrt((nx * ny / 12) * ((nx + ny + 1) - sum(ties^3 - ties) / ((nx + ny) * (nx + ny - 1))))
  (z - sign(z) * 0.5) / sigma
}

# Hodges-Lehmann estimate and CI exactly as R reports them (§4.1): wilcox.test(..., conf.int =
# TRUE) with its defaults. NOTE: in R's normal branch (ties, zeros or n >= 50) these come from
# uniroot(tol = 1e-4) on a step function, not from the Walsh averages; see README.
hodges_lehmann <- function(...) {
  w <- tryCatch(suppressWarnings(wilcox.test(..., conf.int = TRUE)),
                error = function(e) NULL)
  if (is.null(w)) return(c(NA_real_, NA_real_, NA_real_))
  c(num(w$estimate), num(w$conf.int[1]), num(w$conf.int[2]))
}

an_wilcoxon <- function(ctx) {
  out <- list()
  for (arm in ctx$arms) {
    ch <- changes_of(ctx$cc, arm)
    if (length(ch) < 1L) next
    out[[length(out) + 1L]] <- attempt(sprintf("%s wilcoxon_signed_rank %s", ctx$outcome, arm), {
      nonzero <- ch[ch != 0]
      nn <- length(nonzero)
      contrast <- paste0(arm, ":", ctx$last_tp, "-baseline")
      if (nn == 0L) {
        # Every change is zero: wilcox.test refuses (no non-zero differences). §3: p is null.
        V <- 0; p <- NA_real_; z <- NA_real_; method <- NA_character_
        hl <- c(NA_real_, NA_real_, NA_real_)
      } else {
        w <- suppressWarnings(wilcox.test(ch, mu = 0, exact = NULL, correct = TRUE))
        V <- num(w$statistic)
        p <- w$p.value
        exact <- grepl("exact", w$method, fixed = TRUE)
        method <- if (exact) "exact" else "normal_tiecorrected_continuity"
        z <- if (exact) NA_real_ else signed_rank_z(nonzero, V)
        # Guard: the rebuilt z must reproduce R's p (skipped when R's p is NaN, e.g. sigma = 0).
        if (!exact && is.finite(p)) stopifnot(abs(2 * pnorm(-abs(z)) - p) <= 1e-15 + 1e-12 * p)
        hl <- hodges_lehmann(ch)
      }
      rec(ctx$outcome, "wilcoxon_signed_rank", contrast, "V", statistic = V, df = NA,
          p_value = p, estimate = median(ch), ci_low = NA, ci_high = NA,
          extra = list(n = length(ch), n_zero = sum(ch == 0), n_nonzero = nn, W_plus = V,
                       W_minus = nn * (nn + 1) / 2 - V, z = z, method = method,
                       hl_estimate = hl[1], hl_ci_low = hl[2], hl_ci_high = hl[3]))
    })
  }
  Filter(length, out)
}

# Pairs (i < j) in arm order whose arms both have >= 2 change scores (§3).
eligible_pairs <- function(ctx) {
  ok <- ctx$arms[vapply(ctx$arms, function(a) sum(ctx$cc$arm == a) >= 2L, logical(1))]
  pairs <- list()
  for (i in seq_along(ok)) for (j in seq_along(ok)) if (i < j) pairs[[length(pairs) + 1L]] <- c(ok[i], ok[j])
  pairs
}

for_pairs <- function(ctx, analysis, f) {
  out <- list()
  for (pr in eligible_pairs(ctx)) {
    x <- changes_of(ctx$cc, pr[1]); y <- changes_of(ctx$cc, pr[2])
    label <- paste0(pr[1], "-", pr[2])
    out[[length(out) + 1L]] <- attempt(sprintf("%s %s %s", ctx$outcome, analysis, label),
                                       list(f(x, y, label)))
  }
  Filter(length, unlist(out, recursive = FALSE))
}

two_sample_t <- function(ctx, analysis, var_equal) {
  for_pairs(ctx, analysis, function(x, y, label) {
    tt <- t.test(x, y, var.equal = var_equal)
    rec(ctx$outcome, analysis, label, "t", statistic = tt$statistic, df = tt$parameter,
        p_value = tt$p.value, estimate = mean(x) - mean(y),
        ci_low = tt$conf.int[1], ci_high = tt$conf.int[2],
        extra = list(n1 = length(x), n2 = length(y), mean1 = mean(x), mean2 = mean(y),
                     sd1 = sd(x), sd2 = sd(y), se = tt$stderr))
  })
}

an_welch_t <- function(ctx) two_sample_t(ctx, "welch_t", FALSE)
an_student_t <- function(ctx) two_sample_t(ctx, "student_t", TRUE)

an_mann_whitney <- function(ctx) {
  for_pairs(ctx, "mann_whitney", function(x, y, label) {
    w <- suppressWarnings(wilcox.test(x, y, exact = NULL, correct = TRUE))
    U <- num(w$statistic)
    n1 <- length(x); n2 <- length(y)
    exact <- grepl("exact", w$method, fixed = TRUE)
    z <- if (exact) NA_real_ else rank_sum_z(x, y, U)
    if (!exact && is.finite(w$p.value)) {
      stopifnot(abs(2 * pnorm(-abs(z)) - w$p.value) <= 1e-15 + 1e-12 * w$p.value)
    }
    hl <- hodges_lehmann(x, y)
    rec(ctx$outcome, "mann_whitney", label, "U", statistic = U, df = NA, p_value = w$p.value,
        estimate = U / (n1 * n2), ci_low = NA, ci_high = NA,
        extra = list(n1 = n1, n2 = n2, U2 = n1 * n2 - U, z = z,
                     method = if (exact) "exact" else "normal_tiecorrected_continuity",
                     hl_estimate = hl[1], hl_ci_low = hl[2], hl_ci_high = hl[3]))
  })
}

# Noncentral-t CI of d (§5.3, Steiger & Fouladi): ncp with pt(t, df, ncp) = 0.975 (lower) and
# 0.025 (upper), solved by uniroot(tol = 1e-12) on R's pt. pt is decreasing in ncp; the bracket
# starts at t -/+ 2 and is widened until it contains the root. pt warns "full precision may not
# have been achieved in 'pnt{final}'" when a bracket end lies far in the tail (pt ~ 0 or 1);
# that does not affect the root, so those warnings are muffled, and the root itself is then
# re-evaluated with warnings on.
nct_limits <- function(t, df) {
  solve <- function(target) {
    f <- function(ncp) pt(t, df, ncp) - target
    root <- suppressWarnings({
      lo <- t - 2; hi <- t + 2
      while (f(lo) < 0) lo <- lo - 2 * (hi - lo)
      while (f(hi) > 0) hi <- hi + 2 * (hi - lo)
      uniroot(f, c(lo, hi), tol = 1e-12, maxiter = 10000)$root
    })
    invisible(f(root))
    root
  }
  c(solve(0.975), solve(0.025))
}

# Sanity check against effectsize 0.8.3 (run once while writing this script, R 4.2.2):
#   x <- c(5.1,3.2,4.8,6.0,5.5,4.1,3.9,5.2,6.3,4.4,5.0,4.7)
#   y <- c(3.0,2.8,4.1,3.5,2.2,3.9,4.0,2.5,3.3,3.1,2.9,3.6,4.2,2.7,3.4)
#   effectsize::hedges_g(x, y): g 2.05993126595733, CI 1.11719290634864 .. 2.97657172507117
#   this script:                g 2.05993126595733, CI 1.11719294297092 .. 2.97657165075789
#   g is identical; the limits agree to 3e-8 relative, the precision of effectsize's root
#   finder (spec §5.3), so the uniroot(tol = 1e-12) values here are the golden ones.
an_hedges_g <- function(ctx) {
  for_pairs(ctx, "hedges_g", function(x, y, label) {
    n1 <- length(x); n2 <- length(y); m <- n1 + n2 - 2
    es <- escalc(measure = "SMD", m1i = mean(x), sd1i = sd(x), n1i = n1,
                 m2i = mean(y), sd2i = sd(y), n2i = n2)
    g <- num(es$yi); vi <- num(es$vi)
    sp <- sqrt(((n1 - 1) * var(x) + (n2 - 1) * var(y)) / m)
    d <- (mean(x) - mean(y)) / sp
    J <- exp(lgamma(m / 2) - log(sqrt(m / 2)) - lgamma((m - 1) / 2))  # metafor's .cmicalc
    if (is.finite(g)) stopifnot(abs(J * d - g) <= 1e-12 * max(1, abs(g)))
    scale <- sqrt(1 / n1 + 1 / n2)
    # Both SDs zero: g is NaN in metafor too; the NCT limits are then undefined (null).
    nct <- if (is.finite(d)) nct_limits(d / scale, m) * scale * J else c(NA_real_, NA_real_)
    rec(ctx$outcome, "hedges_g", label, "g", statistic = g, df = NA, p_value = NA,
        estimate = g, ci_low = g - Z975 * sqrt(vi), ci_high = g + Z975 * sqrt(vi),
        extra = list(n1 = n1, n2 = n2, d = d, J = J, vi = vi, se = sqrt(vi), sd_pooled = sp,
                     g_approx_J = d * (1 - 3 / (4 * m - 1)),
                     ci_method = "normal: g +- z(0.975)*sqrt(vi), vi metafor vtype LS",
                     ci_low_nct = nct[1], ci_high_nct = nct[2]))
  })
}

an_rank_biserial <- function(ctx) {
  for_pairs(ctx, "rank_biserial", function(x, y, label) {
    U <- num(suppressWarnings(wilcox.test(x, y, exact = NULL, correct = TRUE))$statistic)
    n1 <- length(x); n2 <- length(y)
    r <- 2 * U / (n1 * n2) - 1
    rec(ctx$outcome, "rank_biserial", label, "r", statistic = r, estimate = r,
        extra = list(n1 = n1, n2 = n2, U = U))
  })
}

# Arms that have at least one complete case for this outcome, in arm order. These enter the
# ANCOVA and the ANOVA family; an arm too small for R's function makes the whole analysis fail.
model_arms <- function(ctx) ctx$arms[ctx$arms %in% ctx$cc$arm]

an_ancova <- function(ctx) {
  arms <- model_arms(ctx)
  if (length(arms) < 2L) return(list())
  attempt(sprintf("%s ancova", ctx$outcome), {
    ref <- if ("forward" %in% arms) "forward" else arms[1]
    dat <- data.frame(last = ctx$cc$last, baseline = ctx$cc$base,
                      arm = factor(ctx$cc$arm, levels = c(ref, setdiff(arms, ref))))
    fit <- lm(last ~ arm + baseline, data = dat)
    beta <- coef(fit)
    if (anyNA(beta)) stop("singular fit (aliased coefficients)")
    V <- vcov(fit)
    dfr <- fit$df.residual
    n <- nrow(dat)
    e <- function(a) {                 # indicator coefficient vector of arm a (0 for ref)
      v <- setNames(numeric(length(beta)), names(beta))
      if (a != ref) v[paste0("arm", a)] <- 1
      v
    }
    lin <- function(cvec) {
      est <- sum(cvec * beta)
      se <- sqrt(drop(t(cvec) %*% V %*% cvec))
      list(est = est, se = se, ci = t_ci(est, se, dfr))
    }
    out <- list()
    for (i in seq_along(arms)) for (j in seq_along(arms)) if (i < j) {
      l <- lin(e(arms[i]) - e(arms[j]))
      t <- l$est / l$se
      out[[length(out) + 1L]] <- rec(
        ctx$outcome, "ancova", paste0(arms[i], "-", arms[j]), "t", statistic = t, df = dfr,
        p_value = 2 * pt(-abs(t), dfr), estimate = l$est, ci_low = l$ci[1], ci_high = l$ci[2],
        extra = list(se = l$se, n = n, reference_arm = ref))
    }
    co <- summary(fit)$coefficients["baseline", ]
    sci <- t_ci(co[["Estimate"]], co[["Std. Error"]], dfr)
    out[[length(out) + 1L]] <- rec(
      ctx$outcome, "ancova", "baseline_slope", "t", statistic = co[["t value"]], df = dfr,
      p_value = co[["Pr(>|t|)"]], estimate = co[["Estimate"]], ci_low = sci[1], ci_high = sci[2],
      extra = list(se = co[["Std. Error"]], n = n))
    bbar <- mean(dat$baseline)
    for (a in arms) {
      cvec <- e(a); cvec[["(Intercept)"]] <- 1; cvec[["baseline"]] <- bbar
      l <- lin(cvec)
      out[[length(out) + 1L]] <- rec(
        ctx$outcome, "ancova", a, "adjusted_mean", statistic = l$est, df = dfr, p_value = NA,
        estimate = l$est, ci_low = l$ci[1], ci_high = l$ci[2],
        extra = list(se = l$se, baseline_mean = bbar))
    }
    av <- anova(lm(last ~ baseline, data = dat), fit)
    rss1 <- av$RSS[2]
    out[[length(out) + 1L]] <- rec(
      ctx$outcome, "ancova", "arm", "F", statistic = av$F[2], df = av$Res.Df[2],
      p_value = av$`Pr(>F)`[2],
      extra = list(df1 = av$Df[2], df2 = av$Res.Df[2], rss = rss1, sigma = sqrt(rss1 / av$Res.Df[2])))
    out
  })
}

change_frame <- function(ctx) {
  arms <- model_arms(ctx)
  data.frame(change = ctx$cc$change, arm = factor(ctx$cc$arm, levels = arms))
}

an_anova_oneway <- function(ctx) {
  if (length(model_arms(ctx)) < 2L) return(list())
  attempt(sprintf("%s anova_oneway", ctx$outcome), {
    dat <- change_frame(ctx)
    ow <- oneway.test(change ~ arm, data = dat, var.equal = TRUE)
    grand <- mean(dat$change)
    n_j <- tapply(dat$change, dat$arm, length)
    m_j <- tapply(dat$change, dat$arm, mean)
    eta2 <- sum(n_j * (m_j - grand)^2) / sum((dat$change - grand)^2)   # SSB / SST
    list(rec(ctx$outcome, "anova_oneway", "all", "F", statistic = ow$statistic,
             df = ow$parameter[2], p_value = ow$p.value,
             extra = list(df1 = ow$parameter[1], df2 = ow$parameter[2], eta_squared = eta2,
                          n = nrow(dat))))
  })
}

an_welch_anova <- function(ctx) {
  if (length(model_arms(ctx)) < 2L) return(list())
  attempt(sprintf("%s welch_anova", ctx$outcome), {
    dat <- change_frame(ctx)
    ow <- oneway.test(change ~ arm, data = dat, var.equal = FALSE)
    list(rec(ctx$outcome, "welch_anova", "all", "F", statistic = ow$statistic,
             df = ow$parameter[2], p_value = ow$p.value,
             extra = list(df1 = ow$parameter[1], df2 = ow$parameter[2], n = nrow(dat))))
  })
}

an_kruskal_wallis <- function(ctx) {
  if (length(model_arms(ctx)) < 2L) return(list())
  attempt(sprintf("%s kruskal_wallis", ctx$outcome), {
    dat <- change_frame(ctx)
    kw <- kruskal.test(change ~ arm, data = dat)
    list(rec(ctx$outcome, "kruskal_wallis", "all", "H", statistic = kw$statistic,
             df = kw$parameter, p_value = kw$p.value,
             extra = list(n = nrow(dat), tie_corrected = TRUE)))
  })
}

# The primary pair when both its arms have >= 2 change scores, else NULL.
primary_xy <- function(ctx) {
  pr <- ctx$primary
  x <- changes_of(ctx$cc, pr[1]); y <- changes_of(ctx$cc, pr[2])
  if (length(x) < 2L || length(y) < 2L) return(NULL)
  list(x = x, y = y, label = paste0(pr[1], "-", pr[2]))
}

set_seed <- function(seed) {
  set.seed(seed, kind = "Mersenne-Twister", normal.kind = "Inversion", sample.kind = "Rejection")
}

RNG_DESC <- paste("R Mersenne-Twister, normal.kind Inversion, sample.kind Rejection;",
                  "set.seed(seed) once per (outcome, analysis)")

# §5.8. Input order: arm A's changes then arm B's, each by participant_id.
an_permutation <- function(ctx) {
  xy <- primary_xy(ctx)
  if (is.null(xy)) return(list())
  attempt(sprintf("%s permutation %s", ctx$outcome, xy$label), {
    x <- xy$x; y <- xy$y; B <- ctx$opts$permutations
    pooled <- c(x, y); N <- length(pooled); nA <- length(x); nB <- length(y); S <- sum(pooled)
    Tobs <- mean(x) - mean(y)
    set_seed(ctx$opts$seed)
    tstar <- vapply(seq_len(B), function(b) {
      sA <- sum(pooled[sample.int(N, nA)])
      sA / nA - (S - sA) / nB
    }, numeric(1))
    count <- sum(abs(tstar) >= abs(Tobs) - 1e-10 * max(1, abs(Tobs)))
    p <- (1 + count) / (B + 1)
    list(rec(ctx$outcome, "permutation", xy$label, "mean_diff", statistic = Tobs, df = NA,
             p_value = p, estimate = Tobs,
             extra = list(B = B, seed = ctx$opts$seed, count_extreme = count, p_plain = count / B,
                          mc_se = sqrt(p * (1 - p) / B), null_sd = sd(tstar), n1 = nA, n2 = nB,
                          rng = paste0(RNG_DESC, "; sample.int(N, n1) per resample"))))
  })
}

# §5.9. Replicates from boot::boot(strata =); CIs from the spec's formulas, not boot.ci.
an_bootstrap <- function(ctx) {
  xy <- primary_xy(ctx)
  if (is.null(xy)) return(list())
  attempt(sprintf("%s bootstrap %s", ctx$outcome, xy$label), {
    x <- xy$x; y <- xy$y; B <- ctx$opts$bootstrap
    nA <- length(x); nB <- length(y)
    dat <- data.frame(v = c(x, y), g = rep(1:2, c(nA, nB)))
    stat <- function(d, i) {
      v <- d$v[i]; g <- d$g[i]
      mean(v[g == 1L]) - mean(v[g == 2L])
    }
    set_seed(ctx$opts$seed)
    bt <- boot(dat, stat, R = B, strata = dat$g)
    tstar <- bt$t[, 1]
    Tobs <- num(bt$t0)
    q7 <- function(p) {
      if (!all(is.finite(p))) return(NA_real_)
      quantile(tstar, p, type = 7, names = FALSE)
    }
    perc <- c(q7(0.025), q7(0.975))
    # BCa, the scipy formula of §5.9 (half-count of ties in z0; jackknife acceleration).
    z0 <- qnorm((sum(tstar < Tobs) + sum(tstar <= Tobs)) / (2 * B))
    ua <- x - mean(x); ub <- -(y - mean(y))
    acc <- (sum(ua^3) / nA^3 + sum(ub^3) / nB^3) /
      (6 * (sum(ua^2) / nA^2 + sum(ub^2) / nB^2)^1.5)
    za <- qnorm(c(0.025, 0.975))
    alpha <- pnorm(z0 + (z0 + za) / (1 - acc * (z0 + za)))
    bca <- c(q7(alpha[1]), q7(alpha[2]))
    common <- list(B = B, seed = ctx$opts$seed, boot_se = sd(tstar), bias = mean(tstar) - Tobs,
                   n1 = nA, n2 = nB, rng = paste0(RNG_DESC, "; boot::boot(strata = arm)"))
    ex_perc <- common
    ex_bca <- c(common, list(z0 = z0, acceleration = acc, alpha_low = alpha[1],
                             alpha_high = alpha[2]))
    # boot.ci only for small samples (§6.2); stored as ignored extra.bootpkg_* keys.
    if (nA + nB <= 5000) {
      bc <- tryCatch(suppressWarnings(boot.ci(bt, conf = 0.95, type = c("perc", "bca"))),
                     error = function(e) { message("note: boot.ci failed: ", conditionMessage(e)); NULL })
      if (!is.null(bc)) {
        ex_perc$bootpkg_perc_low <- bc$percent[4]; ex_perc$bootpkg_perc_high <- bc$percent[5]
        ex_bca$bootpkg_bca_low <- bc$bca[4]; ex_bca$bootpkg_bca_high <- bc$bca[5]
      }
    }
    list(rec(ctx$outcome, "bootstrap", xy$label, "percentile_ci", statistic = Tobs,
             estimate = Tobs, ci_low = perc[1], ci_high = perc[2], extra = ex_perc),
         rec(ctx$outcome, "bootstrap", xy$label, "bca_ci", statistic = Tobs,
             estimate = Tobs, ci_low = bca[1], ci_high = bca[2], extra = ex_bca))
  })
}

# §5.7: Holm and BH across outcomes of the primary-contrast Welch p on change.
multiplicity <- function(by_outcome, primary_label) {
  p <- c()
  for (o in names(by_outcome)) {
    for (r in by_outcome[[o]]) {
      if (r$analysis == "welch_t" && r$contrast == primary_label && !is.na(r$p_value)) p[o] <- r$p_value
    }
  }
  if (length(p) == 0L) return(by_outcome)
  holm <- p.adjust(p, "holm"); bh <- p.adjust(p, "BH")
  for (o in names(p)) {
    ex <- list(p_raw = p[[o]], m = length(p), source = "welch_t on change")
    by_outcome[[o]] <- c(by_outcome[[o]], list(
      rec(o, "multiplicity", primary_label, "p_holm", p_value = holm[[o]], extra = ex),
      rec(o, "multiplicity", primary_label, "p_bh", p_value = bh[[o]], extra = ex)))
  }
  by_outcome
}

ANALYSES <- list(
  descriptives = an_descriptives,
  paired_t = an_paired_t,
  wilcoxon_signed_rank = an_wilcoxon,
  welch_t = an_welch_t,
  student_t = an_student_t,
  mann_whitney = an_mann_whitney,
  hedges_g = an_hedges_g,
  rank_biserial = an_rank_biserial,
  ancova = an_ancova,
  anova_oneway = an_anova_oneway,
  welch_anova = an_welch_anova,
  kruskal_wallis = an_kruskal_wallis,
  permutation = an_permutation,
  bootstrap = an_bootstrap
)

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

main <- function(args) {
  opts <- parse_args(args)
  d <- read_trial(opts$input)
  arms <- order_known_first(d$arm, KNOWN_ARMS)
  timepoints <- order_timepoints(d$timepoint)
  outcomes <- order_known_first(d$outcome, KNOWN_OUTCOMES)
  last_tp <- timepoints[length(timepoints)]
  if (last_tp == "baseline") message("note: only a baseline timepoint; no change analyses")
  primary <- if (all(c("backward", "forward") %in% arms)) c("backward", "forward") else arms[1:2]
  primary_label <- paste0(primary[1], "-", primary[2])

  by_outcome <- list()
  for (o in outcomes) {
    d_o <- d[d$outcome == o, , drop = FALSE]
    cc <- if (last_tp == "baseline") complete_cases(d_o[0, ], last_tp) else complete_cases(d_o, last_tp)
    ctx <- list(outcome = o, d_o = d_o, cc = cc, arms = arms, timepoints = timepoints,
                last_tp = last_tp, primary = primary, opts = opts)
    recs <- list()
    for (a in names(ANALYSES)) {
      r <- attempt(sprintf("%s %s", o, a), ANALYSES[[a]](ctx))
      recs <- c(recs, r)
    }
    by_outcome[[o]] <- recs
  }
  by_outcome <- multiplicity(by_outcome, primary_label)
  records <- unname(unlist(by_outcome, recursive = FALSE))

  write_records(records, opts$output)
}

main(commandArgs(trailingOnly = TRUE))
