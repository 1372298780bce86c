#!/usr/bin/env Rscript
# peer.R: the R peer of `retrotrial analyze` for the side-by-side benchmark (issue #9,
# benches/compare.sh, benches/RESULTS.md).
#
#   Rscript benches/peers/peer.R FILE.csv [--analyses a,b,c] [--permutations 10000]
#       [--bootstrap 2000] [--seed 20240601] [--study study.toml] --out results.csv
#
# It reads the long trial CSV that `retrotrial analyze` reads and computes, per outcome, the
# records of spec records.md §4/§4.1 with the R functions the spec names. The logic is a
# simplified copy of the golden-reference scripts tests/golden/gen/analyze.R, lmm.R and
# clinical.R (not sourced from there: those are the test oracle and may change independently).
# What was dropped: the JSON writing, the self-checks against the exact REML optimum and the
# extra.* bookkeeping that only the golden files need. What was changed, and why:
#   - Hedges' g uses the closed form that metafor::escalc(measure = "SMD") evaluates (exact J via
#     lgamma, vtype "LS"; analyze.R asserts the two agree to 1e-12) instead of loading metafor:
#     library(metafor) alone costs about 1.2 s of start-up, which would flatter retrotrial.
#   - One wilcox.test(conf.int = TRUE) call gives the p-value and the Hodges-Lehmann values
#     together (analyze.R calls it twice), as an R user would write it.
#   - MMRM: nlme::gls with its default optimiser and apVar = FALSE. clinical.R's tight
#     optim/BFGS control stops at a worse REML optimum on the 100,000-participant cohort
#     (loglik -312627 vs -307093 for pain_nrs, checked 2026-11-25), and the approximate
#     variance (apVar) fails there with "NA/NaN/Inf in foreign function call"; neither is used
#     by the records. The Satterthwaite df is clinical.R's formula, but evaluated per
#     missingness pattern (see mmrm_satterthwaite) instead of with dense N x N matrices, which
#     would need 16 GB per outcome at 100,000 participants.
#
# Output: one CSV line per record (outcome, analysis, contrast, statistic_name, statistic, df,
# p_value, estimate, ci_low, ci_high), full precision, "NA" for missing. compare.sh cross-checks
# it against retrotrial's records.json. Exit status: 0 all done; 1 some analysis unit failed
# (its FAILED line is on stderr; the other records are written); 2 usage or input error.

ALL_ANALYSES <- c("descriptives", "paired_t", "wilcoxon_signed_rank", "welch_t", "student_t",
                  "mann_whitney", "hedges_g", "rank_biserial", "ancova", "anova_oneway",
                  "welch_anova", "kruskal_wallis", "lmm", "mmrm", "responders", "flow",
                  "multiplicity", "permutation", "bootstrap")

HEADER <- c("participant_id", "arm", "timepoint", "outcome", "value")
KNOWN_ARMS <- c("backward", "forward", "control")
KNOWN_OUTCOMES <- c("pain_nrs", "womac_total", "tug_seconds", "quad_strength_kg")
Z975 <- qnorm(0.975)
KR_MAX_OBS <- 5000L    # spec §5.6 / §6.3: Kenward-Roger only when n_obs <= 5000
BOOTCI_MAX_N <- 5000L  # spec §6.2: boot.ci only for n1 + n2 <= 5000
NLME_EM_ITER <- 500L   # lmm.R: nlme's default 25 EM steps leave nlminb short of the optimum

# Alphabetical tie-breaks must not depend on the locale (Rust compares bytes).
invisible(Sys.setlocale("LC_COLLATE", "C"))

usage_error <- function(...) {
  message("peer.R: ", ..., "\nusage: Rscript peer.R FILE.csv [--analyses a,b,c] ",
          "[--permutations N] [--bootstrap N] [--seed S] [--study study.toml] --out results.csv")
  quit(status = 2)
}

# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

parse_args <- function(args) {
  opts <- list(analyses = ALL_ANALYSES, permutations = 10000, bootstrap = 2000, seed = 20240601,
               study = NULL, out = NULL, input = NULL)
  i <- 1L
  while (i <= length(args)) {
    a <- args[[i]]
    if (!startsWith(a, "--")) {
      if (!is.null(opts$input)) usage_error("more than one input file")
      opts$input <- a
      i <- i + 1L
      next
    }
    key <- sub("=.*$", "", substring(a, 3L))
    if (grepl("=", a, fixed = TRUE)) {
      val <- sub("^[^=]*=", "", a)
    } else {
      if (i == length(args)) usage_error("option ", a, " needs a value")
      i <- i + 1L
      val <- args[[i]]
    }
    if (key == "analyses") {
      an <- strsplit(val, ",", fixed = TRUE)[[1]]
      bad <- setdiff(an, ALL_ANALYSES)
      if (length(bad)) usage_error("unknown analysis ", paste(bad, collapse = ", "))
      opts$analyses <- an
    } else if (key %in% c("permutations", "bootstrap", "seed")) {
      v <- suppressWarnings(as.numeric(val))
      if (is.na(v) || v != round(v) || v < 1) usage_error("--", key, " needs a positive integer")
      opts[[key]] <- v
    } else if (key %in% c("out", "study")) {
      opts[[key]] <- val
    } else {
      usage_error("unknown option ", a)
    }
    i <- i + 1L
  }
  if (is.null(opts$input)) usage_error("no input file")
  if (is.null(opts$out)) usage_error("--out is required")
  opts
}

# The [outcomes.NAME] tables of a study TOML (only better / mcid / mcid_kind matter here; the
# responder records need the MCIDs). Same subset of TOML as clinical.R reads; other tables
# ([design], [analyses], ...) are skipped rather than refused, since the benchmark passes the
# same study file to retrotrial.
read_study <- function(path) {
  out <- list()
  cur <- NULL
  for (line in readLines(path, warn = FALSE)) {
    s <- trimws(sub("#.*$", "", line))
    if (s == "") next
    if (startsWith(s, "[")) {
      m <- regmatches(s, regexec("^\\[\\s*outcomes\\.\"?([A-Za-z0-9_-]+)\"?\\s*\\]$", s))[[1]]
      cur <- if (length(m)) m[2] else NULL
      if (!is.null(cur)) {
        out[[cur]] <- list(better = "lower", mcid = NA_real_, mcid_kind = "absolute")
      }
      next
    }
    if (is.null(cur)) next
    m <- regmatches(s, regexec("^([A-Za-z0-9_]+)\\s*=\\s*\"?([^\"]*)\"?$", s))[[1]]
    if (length(m) == 0L) next
    if (m[2] == "mcid") out[[cur]]$mcid <- as.numeric(m[3])
    if (m[2] %in% c("better", "mcid_kind")) out[[cur]][[m[2]]] <- m[3]
  }
  out
}

# ---------------------------------------------------------------------------------------------
# Input (spec §3, §6.3) and ordering
# ---------------------------------------------------------------------------------------------

read_trial <- function(path) {
  first <- readLines(path, n = 1L, warn = FALSE)
  if (!identical(first, paste(HEADER, collapse = ","))) {
    message("peer.R: header must be exactly '", paste(HEADER, collapse = ","), "'")
    quit(status = 2)
  }
  # §6.3 verbatim: character ids, numeric value, "" and "NA" are missing.
  d <- read.csv(path, colClasses = c(rep("character", 4), "numeric"), na.strings = c("", "NA"))
  # The validation retrotrial also does before any analysis (§3): the same work on both sides.
  problems <- character(0)
  if (nrow(d) == 0L) problems <- c(problems, "no data rows")
  if (anyNA(d[, 1:4])) problems <- c(problems, "missing participant_id/arm/timepoint/outcome")
  if (any(!is.na(d$value) & !is.finite(d$value))) problems <- c(problems, "non-finite value")
  if (anyDuplicated(paste(d$participant_id, d$timepoint, d$outcome, sep = "\r"))) {
    problems <- c(problems, "duplicate (participant, timepoint, outcome) row")
  }
  pa <- unique(d[, c("participant_id", "arm")])
  if (anyDuplicated(pa$participant_id)) problems <- c(problems, "participant in two arms")
  if (!"baseline" %in% d$timepoint) problems <- c(problems, "no baseline timepoint")
  if (length(problems)) {
    message("peer.R: invalid input: ", paste(problems, collapse = "; "))
    quit(status = 2)
  }
  d
}

csort <- function(x) sort(unique(x), method = "radix")

order_known_first <- function(x, known) {
  x <- unique(x)
  c(known[known %in% x], csort(setdiff(x, known)))
}

# baseline first, then by the number the name ends with (week3 < week6 < week12), ties by name.
order_timepoints <- function(tp) {
  others <- csort(setdiff(unique(tp), "baseline"))
  num <- suppressWarnings(as.numeric(ifelse(grepl("[0-9]+$", others),
                                            sub("^.*?([0-9]+)$", "\\1", others), NA)))
  num[is.na(num)] <- Inf
  c("baseline", others[order(num, others, method = "radix")])
}

# ---------------------------------------------------------------------------------------------
# Records. Only the spec's main fields are written; extras (n, SE, HL, ...) are computed as the
# golden scripts compute them, so the work is the same, and kept in memory.
# ---------------------------------------------------------------------------------------------

num <- function(x) {
  if (is.null(x) || length(x) == 0L) return(NA_real_)
  x <- unname(as.numeric(x[[1]]))
  if (!is.finite(x)) NA_real_ else x
}

rec <- function(outcome, analysis, contrast, statistic_name, statistic = NA, df = NA,
                p_value = NA, estimate = NA, ci_low = NA, ci_high = NA, extra = list()) {
  list(outcome = outcome, analysis = analysis, contrast = contrast,
       statistic_name = statistic_name, statistic = num(statistic), df = num(df),
       p_value = num(p_value), estimate = num(estimate), ci_low = num(ci_low),
       ci_high = num(ci_high), extra = extra)
}

N_FAILED <- 0L

# One unit of work; a failure prints FAILED and omits only its own records (spec §3).
attempt <- function(label, expr) {
  tryCatch(expr, error = function(e) {
    message(sprintf("FAILED %s: %s", label, conditionMessage(e)))
    N_FAILED <<- N_FAILED + 1L
    list()
  })
}

t_ci <- function(est, se, df) est + c(-1, 1) * qt(0.975, df) * se

pairs_of <- function(a) {
  out <- list()
  for (i in seq_along(a)) for (j in seq_along(a)) {
    if (i < j) out[[length(out) + 1L]] <- c(a[i], a[j])
  }
  out
}

# Complete cases of one outcome: non-missing baseline and last value (§3), ordered by
# participant_id so resampling does not depend on the file's row order; change rounded to 9
# decimals before any use (§3).
complete_cases <- function(d_o, last_tp) {
  base <- d_o[d_o$timepoint == "baseline" & !is.na(d_o$value), c("participant_id", "arm", "value")]
  last <- d_o[d_o$timepoint == last_tp & !is.na(d_o$value), c("participant_id", "value")]
  names(base)[3] <- "base"
  names(last)[2] <- "last"
  cc <- merge(base, last, by = "participant_id")
  cc <- cc[order(cc$participant_id, method = "radix"), , drop = FALSE]
  cc$change <- round(cc$last - cc$base, 9)
  rownames(cc) <- NULL
  cc
}

# ---------------------------------------------------------------------------------------------
# Descriptives, within-arm and two-sample tests, effect sizes (spec §5.1-§5.3)
# ---------------------------------------------------------------------------------------------

describe <- function(v) {
  n <- length(v)
  m <- mean(v)
  s <- if (n > 1) sd(v) else NA_real_
  q <- quantile(v, c(0.25, 0.5, 0.75), type = 7, names = FALSE)
  ci <- if (n > 1) t_ci(m, s / sqrt(n), n - 1) else c(NA_real_, NA_real_)
  list(n = n, mean = m, sd = s, se = s / sqrt(n), ci = ci, median = q[2], q1 = q[1], q3 = q[3],
       min = min(v), max = max(v))
}

an_descriptives <- function(ctx) {
  desc_rec <- function(contrast, v, n_empty) {
    s <- describe(v)
    rec(ctx$outcome, "descriptives", contrast, "mean", statistic = s$mean, df = s$n - 1,
        estimate = s$mean, ci_low = s$ci[1], ci_high = s$ci[2], extra = c(s, n_empty = n_empty))
  }
  out <- list()
  cells <- split(ctx$d_o$value, list(ctx$d_o$arm, ctx$d_o$timepoint), sep = "@")
  for (arm in ctx$arms) for (tp in ctx$timepoints) {
    cell <- cells[[paste0(arm, "@", tp)]]
    v <- cell[!is.na(cell)]
    if (length(v) >= 1L) {
      out[[length(out) + 1L]] <- desc_rec(paste0(arm, "@", tp), v, sum(is.na(cell)))
    }
  }
  for (arm in ctx$arms) {
    v <- ctx$changes[[arm]]
    if (length(v) >= 1L) out[[length(out) + 1L]] <- desc_rec(paste0(arm, "@change"), v, NA)
  }
  out
}

an_paired_t <- function(ctx) {
  out <- list()
  for (arm in ctx$arms) {
    ch <- ctx$changes[[arm]]
    if (length(ch) < 2L) next
    out <- c(out, attempt(sprintf("%s paired_t %s", ctx$outcome, arm), {
      tt <- t.test(ch, mu = 0)  # = t.test(last, base, paired = TRUE) on the rounded changes
      list(rec(ctx$outcome, "paired_t", paste0(arm, ":", ctx$last_tp, "-baseline"), "t",
               statistic = tt$statistic, df = tt$parameter, p_value = tt$p.value,
               estimate = tt$estimate, ci_low = tt$conf.int[1], ci_high = tt$conf.int[2],
               extra = list(n = length(ch), sd_diff = sd(ch), se = tt$stderr)))
    }))
  }
  out
}

# wilcox.test does not return z; rebuilt as its normal branch computes it (analyze.R).
signed_rank_z <- function(nonzero, V) {
  n <- length(nonzero)
  ties <- table(rank(abs(nonzero)))
  z <- V - n * (n + 1) / 4
  (z - sign(z) * 0.5) / sqrt(n * (n + 1) * (2 * n + 1) / 24 - sum(ties^3 - ties) / 48)
}

rank_sum_z <- function(x, y, U) {
  nx <- length(x); ny <- length(y)
  ties <- table(rank(c(x, y)))
  z <- U - nx * ny / 2
  (z - sign(z) * 0.5) /
    sqrt((nx * ny / 12) * ((nx + ny + 1) - sum(ties^3 - ties) / ((nx + ny) * (nx + ny - 1))))
}

# wilcox.test with the Hodges-Lehmann estimate and CI (§4.1). R chooses exact vs normal by the
# spec's rule itself (exact = NULL: n < 50, no ties, no zeros). conf.int = TRUE stops when every
# value is tied; the test itself is then rerun without it (HL null), as analyze.R does.
wilcox_hl <- function(...) {
  tryCatch(suppressWarnings(wilcox.test(..., exact = NULL, correct = TRUE, conf.int = TRUE)),
           error = function(e) suppressWarnings(wilcox.test(..., exact = NULL, correct = TRUE)))
}

an_wilcoxon <- function(ctx) {
  out <- list()
  for (arm in ctx$arms) {
    ch <- ctx$changes[[arm]]
    if (length(ch) < 1L) next
    out <- c(out, attempt(sprintf("%s wilcoxon_signed_rank %s", ctx$outcome, arm), {
      nonzero <- ch[ch != 0]
      contrast <- paste0(arm, ":", ctx$last_tp, "-baseline")
      if (length(nonzero) == 0L) {
        # Every change is zero: wilcox.test refuses; §3 says p is null.
        list(rec(ctx$outcome, "wilcoxon_signed_rank", contrast, "V", statistic = 0,
                 estimate = median(ch)))
      } else {
        w <- wilcox_hl(ch, mu = 0)
        exact <- grepl("exact", w$method, fixed = TRUE)
        z <- if (exact) NA_real_ else signed_rank_z(nonzero, num(w$statistic))
        hl <- c(num(w$estimate), num(w$conf.int[1]), num(w$conf.int[2]))
        list(rec(ctx$outcome, "wilcoxon_signed_rank", contrast, "V", statistic = w$statistic,
                 p_value = w$p.value, estimate = median(ch), extra = list(z = z, hl = hl)))
      }
    }))
  }
  out
}

# Pairs (i < j) in arm order whose arms both have >= 2 change scores (§3).
for_pairs <- function(ctx, analysis, f) {
  ok <- ctx$arms[vapply(ctx$arms, function(a) length(ctx$changes[[a]]) >= 2L, logical(1))]
  out <- list()
  for (pr in pairs_of(ok)) {
    label <- paste0(pr[1], "-", pr[2])
    out <- c(out, attempt(sprintf("%s %s %s", ctx$outcome, analysis, label),
                          list(f(ctx$changes[[pr[1]]], ctx$changes[[pr[2]]], label))))
  }
  out
}

two_sample_t <- function(ctx, analysis, var_equal) {
  for_pairs(ctx, analysis, function(x, y, label) {
    tt <- t.test(x, y, var.equal = var_equal)
    rec(ctx$outcome, analysis, label, "t", statistic = tt$statistic, df = tt$parameter,
        p_value = tt$p.value, estimate = mean(x) - mean(y),
        ci_low = tt$conf.int[1], ci_high = tt$conf.int[2],
        extra = list(sd1 = sd(x), sd2 = sd(y), se = tt$stderr))
  })
}

an_mann_whitney <- function(ctx) {
  for_pairs(ctx, "mann_whitney", function(x, y, label) {
    w <- wilcox_hl(x, y)
    U <- num(w$statistic)
    exact <- grepl("exact", w$method, fixed = TRUE)
    rec(ctx$outcome, "mann_whitney", label, "U", statistic = U, p_value = w$p.value,
        estimate = U / (length(x) * length(y)),
        extra = list(z = if (exact) NA_real_ else rank_sum_z(x, y, U),
                     hl = c(num(w$estimate), num(w$conf.int[1]), num(w$conf.int[2]))))
  })
}

# Noncentral-t CI of d (§5.3, Steiger & Fouladi): uniroot(tol = 1e-12) on pt(t, df, ncp).
nct_limits <- function(t, df) {
  solve <- function(target) {
    f <- function(ncp) pt(t, df, ncp) - target
    suppressWarnings({
      lo <- t - 2; hi <- t + 2
      while (f(lo) < 0) lo <- lo - 2 * (hi - lo)
      while (f(hi) > 0) hi <- hi + 2 * (hi - lo)
      uniroot(f, c(lo, hi), tol = 1e-12, maxiter = 10000)$root
    })
  }
  c(solve(0.975), solve(0.025))
}

# g = J d with the exact J and vi of metafor::escalc(measure = "SMD") (vtype "LS"); see the
# header for why metafor itself is not loaded.
an_hedges_g <- function(ctx) {
  for_pairs(ctx, "hedges_g", function(x, y, label) {
    n1 <- length(x); n2 <- length(y); m <- n1 + n2 - 2
    sp <- sqrt(((n1 - 1) * var(x) + (n2 - 1) * var(y)) / m)
    d <- (mean(x) - mean(y)) / sp
    J <- exp(lgamma(m / 2) - log(sqrt(m / 2)) - lgamma((m - 1) / 2))
    g <- J * d
    vi <- 1 / n1 + 1 / n2 + g^2 / (2 * (n1 + n2))
    scale <- sqrt(1 / n1 + 1 / n2)
    nct <- if (is.finite(d)) nct_limits(d / scale, m) * scale * J else c(NA_real_, NA_real_)
    rec(ctx$outcome, "hedges_g", label, "g", statistic = g, estimate = g,
        ci_low = g - Z975 * sqrt(vi), ci_high = g + Z975 * sqrt(vi),
        extra = list(d = d, J = J, vi = vi, ci_nct = nct))
  })
}

an_rank_biserial <- function(ctx) {
  for_pairs(ctx, "rank_biserial", function(x, y, label) {
    U <- num(suppressWarnings(wilcox.test(x, y, exact = NULL, correct = TRUE))$statistic)
    r <- 2 * U / (length(x) * length(y)) - 1
    rec(ctx$outcome, "rank_biserial", label, "r", statistic = r, estimate = r)
  })
}

# ---------------------------------------------------------------------------------------------
# ANCOVA and the ANOVA family (§5.4, §5.5)
# ---------------------------------------------------------------------------------------------

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
    e <- function(a) {
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
    for (pr in pairs_of(arms)) {
      l <- lin(e(pr[1]) - e(pr[2]))
      t <- l$est / l$se
      out[[length(out) + 1L]] <- rec(
        ctx$outcome, "ancova", paste0(pr[1], "-", pr[2]), "t", statistic = t, df = dfr,
        p_value = 2 * pt(-abs(t), dfr), estimate = l$est, ci_low = l$ci[1], ci_high = l$ci[2])
    }
    co <- summary(fit)$coefficients["baseline", ]
    sci <- t_ci(co[["Estimate"]], co[["Std. Error"]], dfr)
    out[[length(out) + 1L]] <- rec(
      ctx$outcome, "ancova", "baseline_slope", "t", statistic = co[["t value"]], df = dfr,
      p_value = co[["Pr(>|t|)"]], estimate = co[["Estimate"]], ci_low = sci[1], ci_high = sci[2])
    bbar <- mean(dat$baseline)
    for (a in arms) {
      cvec <- e(a); cvec[["(Intercept)"]] <- 1; cvec[["baseline"]] <- bbar
      l <- lin(cvec)
      out[[length(out) + 1L]] <- rec(
        ctx$outcome, "ancova", a, "adjusted_mean", statistic = l$est, df = dfr,
        estimate = l$est, ci_low = l$ci[1], ci_high = l$ci[2])
    }
    av <- anova(lm(last ~ baseline, data = dat), fit)
    out[[length(out) + 1L]] <- rec(ctx$outcome, "ancova", "arm", "F", statistic = av$F[2],
                                   df = av$Res.Df[2], p_value = av$`Pr(>F)`[2])
    out
  })
}

change_frame <- function(ctx) {
  data.frame(change = ctx$cc$change, arm = factor(ctx$cc$arm, levels = model_arms(ctx)))
}

an_anova_oneway <- function(ctx) {
  if (length(model_arms(ctx)) < 2L) return(list())
  attempt(sprintf("%s anova_oneway", ctx$outcome), {
    dat <- change_frame(ctx)
    ow <- oneway.test(change ~ arm, data = dat, var.equal = TRUE)
    grand <- mean(dat$change)
    eta2 <- sum(tapply(dat$change, dat$arm, function(v) length(v) * (mean(v) - grand)^2)) /
      sum((dat$change - grand)^2)
    list(rec(ctx$outcome, "anova_oneway", "all", "F", statistic = ow$statistic,
             df = ow$parameter[2], p_value = ow$p.value, extra = list(eta_squared = eta2)))
  })
}

an_welch_anova <- function(ctx) {
  if (length(model_arms(ctx)) < 2L) return(list())
  attempt(sprintf("%s welch_anova", ctx$outcome), {
    ow <- oneway.test(change ~ arm, data = change_frame(ctx), var.equal = FALSE)
    list(rec(ctx$outcome, "welch_anova", "all", "F", statistic = ow$statistic,
             df = ow$parameter[2], p_value = ow$p.value))
  })
}

an_kruskal_wallis <- function(ctx) {
  if (length(model_arms(ctx)) < 2L) return(list())
  attempt(sprintf("%s kruskal_wallis", ctx$outcome), {
    kw <- kruskal.test(change ~ arm, data = change_frame(ctx))
    list(rec(ctx$outcome, "kruskal_wallis", "all", "H", statistic = kw$statistic,
             df = kw$parameter, p_value = kw$p.value))
  })
}

# ---------------------------------------------------------------------------------------------
# Resampling (§5.8, §5.9), primary contrast only
# ---------------------------------------------------------------------------------------------

primary_xy <- function(ctx) {
  x <- ctx$changes[[ctx$primary[1]]]; y <- ctx$changes[[ctx$primary[2]]]
  if (length(x) < 2L || length(y) < 2L) return(NULL)
  list(x = x, y = y, label = paste0(ctx$primary[1], "-", ctx$primary[2]))
}

set_seed <- function(seed) {
  set.seed(seed, kind = "Mersenne-Twister", normal.kind = "Inversion", sample.kind = "Rejection")
}

an_permutation <- function(ctx) {
  xy <- primary_xy(ctx)
  if (is.null(xy)) return(list())
  attempt(sprintf("%s permutation", ctx$outcome), {
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
    list(rec(ctx$outcome, "permutation", xy$label, "mean_diff", statistic = Tobs, p_value = p,
             estimate = Tobs, extra = list(count_extreme = count, null_sd = sd(tstar))))
  })
}

# Replicates from boot::boot(strata =); CIs from the spec's formulas (§5.9); boot.ci as well for
# n1 + n2 <= 5000 only (§6.2: above that its BCa runs for minutes and then fails for memory).
an_bootstrap <- function(ctx) {
  xy <- primary_xy(ctx)
  if (is.null(xy)) return(list())
  attempt(sprintf("%s bootstrap", ctx$outcome), {
    x <- xy$x; y <- xy$y; B <- ctx$opts$bootstrap
    nA <- length(x); nB <- length(y)
    dat <- data.frame(v = c(x, y), g = rep(1:2, c(nA, nB)))
    stat <- function(d, i) {
      v <- d$v[i]; g <- d$g[i]
      mean(v[g == 1L]) - mean(v[g == 2L])
    }
    set_seed(ctx$opts$seed)
    bt <- boot::boot(dat, stat, R = B, strata = dat$g)
    tstar <- bt$t[, 1]
    Tobs <- num(bt$t0)
    q7 <- function(p) if (is.finite(p)) quantile(tstar, p, type = 7, names = FALSE) else NA_real_
    perc <- c(q7(0.025), q7(0.975))
    z0 <- qnorm((sum(tstar < Tobs) + sum(tstar <= Tobs)) / (2 * B))
    ua <- x - mean(x); ub <- -(y - mean(y))
    acc <- (sum(ua^3) / nA^3 + sum(ub^3) / nB^3) / (6 * (sum(ua^2) / nA^2 + sum(ub^2) / nB^2)^1.5)
    za <- qnorm(c(0.025, 0.975))
    alpha <- pnorm(z0 + (z0 + za) / (1 - acc * (z0 + za)))
    bca <- c(q7(alpha[1]), q7(alpha[2]))
    bootpkg <- NULL
    if (nA + nB <= BOOTCI_MAX_N) {
      bootpkg <- tryCatch(suppressWarnings(boot::boot.ci(bt, conf = 0.95, type = c("perc", "bca"))),
                          error = function(e) NULL)
    }
    ex <- list(boot_se = sd(tstar), bias = mean(tstar) - Tobs, bootpkg = bootpkg)
    list(rec(ctx$outcome, "bootstrap", xy$label, "percentile_ci", statistic = Tobs,
             estimate = Tobs, ci_low = perc[1], ci_high = perc[2], extra = ex),
         rec(ctx$outcome, "bootstrap", xy$label, "bca_ci", statistic = Tobs,
             estimate = Tobs, ci_low = bca[1], ci_high = bca[2],
             extra = c(ex, list(z0 = z0, acceleration = acc))))
  })
}

# ---------------------------------------------------------------------------------------------
# LMM (§5.6): lme4 + lmerTest (Satterthwaite), pbkrtest (Kenward-Roger, n_obs <= 5000), nlme
# ---------------------------------------------------------------------------------------------

# Every non-missing row of the outcome at all timepoints (participants without baseline too),
# levels in §3 order, reference arm forward and reference timepoint baseline (lmm.R).
lmm_data <- function(d_o, arms, timepoints) {
  x <- d_o[!is.na(d_o$value), c("participant_id", "arm", "timepoint", "value"), drop = FALSE]
  arms_o <- arms[arms %in% x$arm]
  tps_o <- timepoints[timepoints %in% x$timepoint]
  if (length(arms_o) < 2L || length(tps_o) < 2L) return(NULL)
  ref_arm <- if ("forward" %in% arms_o) "forward" else arms_o[1]
  ref_tp <- if ("baseline" %in% tps_o) "baseline" else tps_o[1]
  arm_levels <- c(ref_arm, setdiff(arms_o, ref_arm))
  tp_levels <- c(ref_tp, setdiff(tps_o, ref_tp))
  x <- x[order(x$participant_id, match(x$timepoint, tp_levels), method = "radix"), , drop = FALSE]
  x$arm <- factor(x$arm, levels = arm_levels)
  x$timepoint <- factor(x$timepoint, levels = tp_levels)
  x$participant_id <- factor(x$participant_id, levels = csort(x$participant_id))
  a <- arm_levels[-1]; t <- tp_levels[-1]
  labels <- c("intercept", paste0("arm=", a), paste0("timepoint=", t),
              paste0("arm=", rep(a, times = length(t)), ":timepoint=", rep(t, each = length(a))))
  X <- model.matrix(~ arm * timepoint, data = x)
  names(labels) <- colnames(X)
  list(data = x, X = X, labels = labels, nonzero = colSums(X != 0) > 0)
}

# nlme::lme with nlminb (and niterEM = 500, see lmm.R), optim only if nlminb fails (§6.1). lme
# cannot fit a rank-deficient X, so empty cells are fitted on the reduced matrix (lmm.R).
fit_nlme <- function(md) {
  dat <- md$data
  full <- all(md$nonzero)
  if (full) {
    fit_with <- function(ctrl) lme(value ~ arm * timepoint, random = ~ 1 | participant_id,
                                   data = dat, method = "REML", control = ctrl)
  } else {
    dat$Xr <- md$X[, md$nonzero, drop = FALSE]
    fit_with <- function(ctrl) lme(value ~ 0 + Xr, random = ~ 1 | participant_id,
                                   data = dat, method = "REML", control = ctrl)
  }
  fit <- tryCatch(suppressWarnings(fit_with(lmeControl(niterEM = NLME_EM_ITER))),
                  error = function(e) NULL)
  if (is.null(fit)) {
    fit <- suppressWarnings(fit_with(lmeControl(opt = "optim", niterEM = NLME_EM_ITER)))
  }
  if (full) {
    av <- anova(fit, type = "marginal")["arm:timepoint", ]
  } else {
    inter <- grepl(":", colnames(md$X)[md$nonzero], fixed = TRUE)
    av <- anova(fit, L = diag(sum(md$nonzero))[inter, , drop = FALSE])
  }
  list(tTable = summary(fit)$tTable, F = av[["F-value"]], df2 = av[["denDF"]],
       p = av[["p-value"]], sigma2_u = getVarCov(fit)[1, 1], sigma2_e = fit$sigma^2,
       loglik = as.numeric(logLik(fit)))
}

lmm_outcome <- function(ctx) {
  o <- ctx$outcome
  md <- lmm_data(ctx$d_o, ctx$arms, ctx$timepoints)
  if (is.null(md)) return(list())
  dat <- md$data
  n_obs <- nrow(dat)
  m <- suppressMessages(lmerTest::lmer(value ~ arm * timepoint + (1 | participant_id),
                                       data = dat, REML = TRUE,
                                       control = lme4::lmerControl(calc.derivs = FALSE)))
  if (!inherits(m, "lmerModLmerTest")) {
    stop("lmerTest could not compute the Satterthwaite quantities")
  }
  beta <- lme4::fixef(m)
  labels <- md$labels[names(beta)]
  inter <- grepl(":", names(beta), fixed = TRUE)
  if (!any(inter)) stop("no interaction column left")
  out <- list()
  add <- function(r) out[[length(out) + 1L]] <<- r

  sat <- anova(m, type = 3, ddf = "Satterthwaite")["arm:timepoint", ]
  add(rec(o, "lmm", "arm:timepoint", "F_satterthwaite", statistic = sat[["F value"]],
          df = sat[["DenDF"]], p_value = sat[["Pr(>F)"]]))
  if (n_obs <= KR_MAX_OBS) {
    # lmerTest falls back to Satterthwaite with a warning when pbkrtest fails: a KR failure.
    add_kr <- attempt(sprintf("%s lmm F_kenward_roger", o), withCallingHandlers({
      a <- anova(m, type = 3, ddf = "Kenward-Roger")["arm:timepoint", ]
      list(rec(o, "lmm", "arm:timepoint", "F_kenward_roger", statistic = a[["F value"]],
               df = a[["DenDF"]], p_value = a[["Pr(>F)"]]))
    }, warning = function(w) {
      if (grepl("Kenward-Roger", conditionMessage(w), fixed = TRUE)) stop(conditionMessage(w))
      invokeRestart("muffleWarning")
    }))
    for (r in add_kr) add(r)
  }
  nl <- attempt(sprintf("%s lmm nlme", o), fit_nlme(md))
  if (length(nl)) {
    add(rec(o, "lmm", "arm:timepoint", "F_nlme", statistic = nl$F, df = nl$df2, p_value = nl$p))
  }
  V <- as.matrix(vcov(m))
  Lb <- beta[inter]
  chisq <- drop(crossprod(Lb, solve(V[inter, inter, drop = FALSE], Lb)))
  add(rec(o, "lmm", "arm:timepoint", "chisq_wald", statistic = chisq, df = sum(inter),
          p_value = pchisq(chisq, sum(inter), lower.tail = FALSE)))
  co <- summary(m)$coefficients
  for (j in seq_along(beta)) {
    est <- co[j, "Estimate"]; se <- co[j, "Std. Error"]; dfj <- co[j, "df"]
    ci <- t_ci(est, se, dfj)
    add(rec(o, "lmm", labels[[j]], "t", statistic = co[j, "t value"], df = dfj,
            p_value = co[j, "Pr(>|t|)"], estimate = est, ci_low = ci[1], ci_high = ci[2],
            extra = list(nlme = if (length(nl)) nl$tTable[j, ] else NULL)))
  }
  vc <- as.data.frame(lme4::VarCorr(m))
  s2u <- vc$vcov[vc$grp == "participant_id"]
  s2e <- vc$vcov[vc$grp == "Residual"]
  add(rec(o, "lmm", "variance", "sigma2_participant", statistic = s2u, estimate = s2u))
  add(rec(o, "lmm", "variance", "sigma2_residual", statistic = s2e, estimate = s2e))
  add(rec(o, "lmm", "model", "reml_loglik", statistic = as.numeric(logLik(m)),
          extra = list(reml_criterion = lme4::REMLcrit(m))))
  out
}

# ---------------------------------------------------------------------------------------------
# MMRM (§4.1): nlme::gls with unstructured covariance; Satterthwaite df from the REML derivatives
# ---------------------------------------------------------------------------------------------

mmrm_data <- function(d_o, arms, post_tps) {
  base <- d_o[d_o$timepoint == "baseline" & !is.na(d_o$value), c("participant_id", "value")]
  names(base)[2] <- "baseline"
  x <- d_o[d_o$timepoint != "baseline" & !is.na(d_o$value),
           c("participant_id", "arm", "timepoint", "value"), drop = FALSE]
  x <- merge(x, base, by = "participant_id")
  arms_o <- arms[arms %in% x$arm]
  tps_o <- post_tps[post_tps %in% x$timepoint]
  if (length(arms_o) < 2L || length(tps_o) < 1L) return(NULL)
  ref_arm <- if ("forward" %in% arms_o) "forward" else arms_o[1]
  x <- x[order(x$participant_id, match(x$timepoint, tps_o), method = "radix"), , drop = FALSE]
  rownames(x) <- NULL
  x$arm <- factor(x$arm, levels = c(ref_arm, setdiff(arms_o, ref_arm)))
  x$timepoint <- factor(x$timepoint, levels = tps_o)
  x$tp_index <- as.integer(x$timepoint)
  x$participant_id <- factor(x$participant_id, levels = csort(x$participant_id))
  list(data = x, arms = arms_o, tps = tps_o)
}

# gls's T x T covariance sigma^2 * diag(delta) R diag(delta) (clinical.R's gls_sigma).
gls_sigma <- function(fit, tps) {
  n_tp <- length(tps)
  s2 <- fit$sigma^2
  if (n_tp == 1L) return(matrix(s2, 1L, 1L))
  Rf <- diag(n_tp)
  Rf[lower.tri(Rf)] <- coef(fit$modelStruct$corStruct, unconstrained = FALSE)
  Rf[upper.tri(Rf)] <- t(Rf)[upper.tri(Rf)]
  delta <- coef(fit$modelStruct$varStruct, unconstrained = FALSE, allCoef = TRUE)[tps]
  s2 * outer(delta, delta) * Rf
}

# Satterthwaite df of l'beta for the unstructured-covariance model at the covariance Sigma:
#   nu = 2 (l'Cl)^2 / (g' W g),  g_k = l' C M_k C l,  M_k = X'V^-1 V_k V^-1 X,  W = 2 H^-1,
#   H_kl = -tr(P V_k P V_l) + 2 y'P V_k P V_l P y   (clinical.R, mmrm's documentation),
# theta_k the distinct elements of Sigma. Participants with the same set S of observed
# timepoints ("pattern") share the block V_S = Sigma[S, S], so every trace and cross-product
# reduces to sums over patterns of W_S[a, b] * X_a'X_b (X_a = rows at the a-th timepoint of S):
#   tr(P V_k P V_l) = tr(W V_k W V_l) - 2 tr(C X'W V_k W V_l W X) + tr(C M_k C M_l)
#   y'P V_k P V_l P y = sum_i (u_i B_k).(u_i B_l W) - q_k' C q_l,  u = V^-1 r,  q_k = X'W V_k u
# which is O(N p^2) time and O(N p) memory instead of clinical.R's dense N x N matrices.
mmrm_satterthwaite <- function(X, y, pid, tp, n_tp, Sigma) {
  p <- ncol(X)
  pos <- matrix(NA_integer_, max(pid), n_tp)
  pos[cbind(pid, tp)] <- seq_along(y)
  code <- drop((!is.na(pos)) %*% 2^(seq_len(n_tp) - 1))
  lt <- which(lower.tri(diag(n_tp), diag = TRUE), arr.ind = TRUE)
  basis <- lapply(seq_len(nrow(lt)), function(k) {
    B <- matrix(0, n_tp, n_tp); B[lt[k, 1], lt[k, 2]] <- 1; B[lt[k, 2], lt[k, 1]] <- 1; B
  })
  K <- length(basis)
  wsum <- function(Wm, G) {
    acc <- matrix(0, p, p)
    for (a in seq_len(nrow(Wm))) for (b in seq_len(ncol(Wm))) acc <- acc + Wm[a, b] * G[[a, b]]
    acc
  }
  pats <- lapply(setdiff(sort(unique(code)), 0), function(cd) {
    S <- which(bitwAnd(cd, 2^(seq_len(n_tp) - 1)) > 0)
    rows <- pos[code == cd, S, drop = FALSE]
    Xs <- lapply(seq_along(S), function(a) X[rows[, a], , drop = FALSE])
    G <- matrix(list(), length(S), length(S))
    for (a in seq_along(S)) for (b in seq_along(S)) G[[a, b]] <- crossprod(Xs[[a]], Xs[[b]])
    list(S = S, n = nrow(rows), Xs = Xs, Y = matrix(y[rows], nrow(rows), length(S)), G = G,
         W = solve(Sigma[S, S, drop = FALSE]))
  })
  # Pass 1: C = (X'V^-1 X)^-1 and beta.
  M <- matrix(0, p, p); Xwy <- numeric(p)
  for (pat in pats) {
    M <- M + wsum(pat$W, pat$G)
    YW <- pat$Y %*% pat$W
    for (a in seq_along(pat$S)) Xwy <- Xwy + drop(crossprod(pat$Xs[[a]], YW[, a]))
  }
  C <- solve(M)
  beta <- drop(C %*% Xwy)
  # Pass 2: M_k, the Hessian pieces.
  Mk <- replicate(K, matrix(0, p, p), simplify = FALSE)
  Nkl <- matrix(list(), K, K); for (k in 1:K) for (l in 1:K) Nkl[[k, l]] <- matrix(0, p, p)
  trWW <- matrix(0, K, K); yterm <- matrix(0, K, K); q <- replicate(K, numeric(p), simplify = FALSE)
  for (pat in pats) {
    S <- pat$S; W <- pat$W
    R <- pat$Y - vapply(pat$Xs, function(Xa) drop(Xa %*% beta), numeric(pat$n))
    U <- matrix(R, pat$n, length(S)) %*% W
    Bs <- lapply(basis, function(B) B[S, S, drop = FALSE])
    WB <- lapply(Bs, function(B) W %*% B)
    UB <- lapply(Bs, function(B) U %*% B)
    for (k in 1:K) {
      Mk[[k]] <- Mk[[k]] + wsum(WB[[k]] %*% W, pat$G)
      UBW <- UB[[k]] %*% W
      for (a in seq_along(S)) q[[k]] <- q[[k]] + drop(crossprod(pat$Xs[[a]], UBW[, a]))
    }
    for (k in 1:K) for (l in 1:K) {
      trWW[k, l] <- trWW[k, l] + pat$n * sum(diag(WB[[k]] %*% WB[[l]]))
      Nkl[[k, l]] <- Nkl[[k, l]] + wsum(WB[[k]] %*% WB[[l]] %*% W, pat$G)
      yterm[k, l] <- yterm[k, l] + sum(UB[[k]] * (UB[[l]] %*% W))
    }
  }
  H <- matrix(0, K, K)
  for (k in 1:K) for (l in 1:K) {
    trPP <- trWW[k, l] - 2 * sum(diag(C %*% Nkl[[k, l]])) +
      sum(diag(C %*% Mk[[k]] %*% C %*% Mk[[l]]))
    H[k, l] <- -trPP + 2 * (yterm[k, l] - drop(crossprod(q[[k]], C %*% q[[l]])))
  }
  Wmat <- 2 * solve(H)
  function(l) {
    Cl <- drop(C %*% l)
    g <- vapply(Mk, function(Mm) drop(crossprod(Cl, Mm %*% Cl)), numeric(1))
    2 * sum(l * Cl)^2 / drop(crossprod(g, Wmat %*% g))
  }
}

mmrm_outcome <- function(ctx) {
  o <- ctx$outcome
  md <- mmrm_data(ctx$d_o, ctx$arms, ctx$timepoints[-1])
  if (is.null(md)) return(list())
  dat <- md$data
  n_tp <- length(md$tps)
  if (n_tp == 1L) {
    # One post-baseline timepoint: the MMRM is the ANCOVA (residual df), spec §4.1.
    form <- value ~ baseline + arm
    fit <- gls(form, data = dat, method = "REML")
  } else {
    form <- value ~ baseline * timepoint + arm * timepoint
    fit <- gls(form, data = dat, correlation = corSymm(form = ~ tp_index | participant_id),
               weights = varIdent(form = ~ 1 | timepoint), method = "REML",
               control = glsControl(apVar = FALSE))
  }
  beta <- coef(fit)
  Vb <- vcov(fit)
  X <- model.matrix(form, data = dat)
  df_of <- if (n_tp == 1L) function(l) nrow(dat) - ncol(X) else
    mmrm_satterthwaite(X, dat$value, as.integer(dat$participant_id), dat$tp_index, n_tp,
                       gls_sigma(fit, md$tps))
  out <- list()
  for (pr in pairs_of(md$arms)) for (tp in md$tps) {
    # (arm A - arm B) at tp: the difference of two model-matrix rows (baseline cancels).
    nd <- dat[c(1L, 1L), , drop = FALSE]
    nd$arm <- factor(pr, levels = levels(dat$arm))
    nd$timepoint <- factor(c(tp, tp), levels = levels(dat$timepoint))
    Xn <- model.matrix(form, data = nd)
    l <- Xn[1, ] - Xn[2, ]
    est <- sum(l * beta)
    se <- sqrt(drop(crossprod(l, Vb %*% l)))
    nu <- df_of(l)
    out[[length(out) + 1L]] <- rec(
      o, "mmrm", sprintf("%s-%s@%s", pr[1], pr[2], tp), "t", statistic = est / se, df = nu,
      p_value = 2 * pt(-abs(est / se), nu), estimate = est,
      ci_low = est - qt(0.975, nu) * se, ci_high = est + qt(0.975, nu) * se)
  }
  out[[length(out) + 1L]] <- rec(o, "mmrm", "model", "reml_loglik",
                                 statistic = as.numeric(logLik(fit)))
  out
}

# ---------------------------------------------------------------------------------------------
# Responders and flow (§4.1; clinical.R)
# ---------------------------------------------------------------------------------------------

wilson <- function(x, n) suppressWarnings(prop.test(x, n, correct = FALSE))$conf.int[1:2]

responders_outcome <- function(ctx, spec) {
  cc <- ctx$cc
  improvement <- if (spec$better == "lower") -cc$change else cc$change
  resp <- if (spec$mcid_kind == "absolute") improvement >= spec$mcid else
    cc$base != 0 & round(100 * improvement / abs(cc$base), 9) >= spec$mcid
  arms_o <- ctx$arms[ctx$arms %in% cc$arm]
  out <- list()
  st <- list()
  for (a in arms_o) {
    x <- sum(resp[cc$arm == a]); n <- sum(cc$arm == a)
    ci <- wilson(x, n)
    st[[a]] <- list(x = x, n = n, p = x / n, ci = ci)
    out[[length(out) + 1L]] <- rec(ctx$outcome, "responders", a, "proportion", statistic = x / n,
                                   estimate = x / n, ci_low = ci[1], ci_high = ci[2])
  }
  for (pr in pairs_of(arms_o)) {
    s1 <- st[[pr[1]]]; s2 <- st[[pr[2]]]
    label <- paste0(pr[1], "-", pr[2])
    d <- s1$p - s2$p
    lo <- d - sqrt((s1$p - s1$ci[1])^2 + (s2$ci[2] - s2$p)^2)   # Newcombe hybrid score
    hi <- d + sqrt((s1$ci[2] - s1$p)^2 + (s2$p - s2$ci[1])^2)
    fp <- fisher.test(matrix(c(s1$x, s1$n - s1$x, s2$x, s2$n - s2$x), nrow = 2L))$p.value
    out[[length(out) + 1L]] <- rec(ctx$outcome, "responders", label, "risk_difference",
                                   statistic = d, p_value = fp, estimate = d,
                                   ci_low = lo, ci_high = hi)
    rr <- if (s2$x > 0) s1$p / s2$p else NA_real_
    rr_ci <- if (all(c(s1$x, s1$n - s1$x, s2$x, s2$n - s2$x) > 0)) {
      exp(log(rr) + c(-1, 1) * Z975 * sqrt(1 / s1$x - 1 / s1$n + 1 / s2$x - 1 / s2$n))
    } else c(NA_real_, NA_real_)
    out[[length(out) + 1L]] <- rec(ctx$outcome, "responders", label, "risk_ratio", statistic = rr,
                                   estimate = rr, ci_low = rr_ci[1], ci_high = rr_ci[2])
    nnt <- if (d != 0) 1 / d else NA_real_
    nnt_ci <- if (lo > 0 || hi < 0) c(1 / hi, 1 / lo) else c(NA_real_, NA_real_)
    out[[length(out) + 1L]] <- rec(ctx$outcome, "responders", label, "nnt", statistic = nnt,
                                   estimate = nnt, ci_low = nnt_ci[1], ci_high = nnt_ci[2])
  }
  out
}

# Participants with any non-missing value at each arm x timepoint (the same for every outcome),
# and the differential-dropout test per outcome.
flow_cells <- function(d, arms, timepoints) {
  obs <- unique(d[!is.na(d$value), c("participant_id", "arm", "timepoint")])
  n_obs <- table(factor(obs$arm, levels = arms), factor(obs$timepoint, levels = timepoints))
  pa <- unique(d[, c("participant_id", "arm")])
  list(n_obs = n_obs, n_rand = table(factor(pa$arm, levels = arms)))
}

flow_outcome <- function(ctx, cells) {
  out <- list()
  for (a in ctx$arms) for (tp in ctx$timepoints) {
    n <- cells$n_obs[a, tp]
    out[[length(out) + 1L]] <- rec(ctx$outcome, "flow", paste0(a, "@", tp), "n_observed",
                                   statistic = n, estimate = n)
  }
  if (length(ctx$arms) < 2L || ctx$last_tp == "baseline") return(out)
  comp <- vapply(ctx$arms, function(a) length(ctx$changes[[a]]), numeric(1))
  tab <- cbind(comp, as.numeric(cells$n_rand[ctx$arms]) - comp)
  p <- if (length(ctx$arms) == 2L) fisher.test(tab)$p.value else
    suppressWarnings(chisq.test(tab, correct = FALSE))$p.value
  c(out, list(rec(ctx$outcome, "flow", "dropout", "p_differential", p_value = p)))
}

# §5.7: Holm and BH across outcomes of the primary-contrast Welch p on change.
multiplicity <- function(records, primary_label) {
  p <- c()
  for (r in records) {
    if (r$analysis == "welch_t" && r$contrast == primary_label && !is.na(r$p_value)) {
      p[r$outcome] <- r$p_value
    }
  }
  if (length(p) == 0L) return(list())
  holm <- p.adjust(p, "holm"); bh <- p.adjust(p, "BH")
  out <- list()
  for (o in names(p)) {
    out[[length(out) + 1L]] <- rec(o, "multiplicity", primary_label, "p_holm", p_value = holm[[o]])
    out[[length(out) + 1L]] <- rec(o, "multiplicity", primary_label, "p_bh", p_value = bh[[o]])
  }
  out
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

ANALYSES <- list(descriptives = an_descriptives, paired_t = an_paired_t,
                 wilcoxon_signed_rank = an_wilcoxon,
                 welch_t = function(ctx) two_sample_t(ctx, "welch_t", FALSE),
                 student_t = function(ctx) two_sample_t(ctx, "student_t", TRUE),
                 mann_whitney = an_mann_whitney, hedges_g = an_hedges_g,
                 rank_biserial = an_rank_biserial, ancova = an_ancova,
                 anova_oneway = an_anova_oneway, welch_anova = an_welch_anova,
                 kruskal_wallis = an_kruskal_wallis, permutation = an_permutation,
                 bootstrap = an_bootstrap, lmm = lmm_outcome, mmrm = mmrm_outcome)

main <- function(args) {
  opts <- parse_args(args)
  want <- function(a) a %in% opts$analyses
  # Load only what the selected analyses use, as a script written for them would.
  if (want("lmm")) suppressPackageStartupMessages({
    library(lme4); library(lmerTest); library(pbkrtest); library(nlme)
  })
  if (want("mmrm")) suppressPackageStartupMessages(library(nlme))
  if (want("bootstrap")) suppressPackageStartupMessages(library(boot))

  study <- if (is.null(opts$study)) list() else read_study(opts$study)
  d <- read_trial(opts$input)
  arms <- order_known_first(d$arm, KNOWN_ARMS)
  timepoints <- order_timepoints(d$timepoint)
  outcomes <- order_known_first(d$outcome, KNOWN_OUTCOMES)
  last_tp <- timepoints[length(timepoints)]
  primary <- if (all(c("backward", "forward") %in% arms)) c("backward", "forward") else arms[1:2]
  cells <- if (want("flow")) flow_cells(d, arms, timepoints) else NULL
  by_outcome <- split(d, d$outcome)
  rm(d)

  records <- list()
  for (o in outcomes) {
    d_o <- by_outcome[[o]]
    cc <- complete_cases(d_o, last_tp)
    ctx <- list(outcome = o, d_o = d_o, cc = cc, arms = arms, timepoints = timepoints,
                last_tp = last_tp, primary = primary, opts = opts,
                changes = lapply(setNames(arms, arms), function(a) cc$change[cc$arm == a]))
    for (a in intersect(names(ANALYSES), opts$analyses)) {
      records <- c(records, attempt(sprintf("%s %s", o, a), ANALYSES[[a]](ctx)))
    }
    spec <- study[[o]]
    if (want("responders") && !is.null(spec) && is.finite(spec$mcid) && last_tp != "baseline") {
      records <- c(records, attempt(sprintf("%s responders", o), responders_outcome(ctx, spec)))
    }
    if (want("flow")) {
      records <- c(records, attempt(sprintf("%s flow", o), flow_outcome(ctx, cells)))
    }
  }
  if (want("multiplicity")) {
    records <- c(records, multiplicity(records, paste0(primary[1], "-", primary[2])))
  }

  fields <- c("statistic", "df", "p_value", "estimate", "ci_low", "ci_high")
  fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.17g", v))
  tab <- data.frame(
    outcome = vapply(records, `[[`, "", "outcome"),
    analysis = vapply(records, `[[`, "", "analysis"),
    contrast = vapply(records, `[[`, "", "contrast"),
    statistic_name = vapply(records, `[[`, "", "statistic_name"))
  for (f in fields) tab[[f]] <- fmt(vapply(records, `[[`, 0, f))
  write.csv(tab, opts$out, row.names = FALSE, quote = FALSE)
  message(sprintf("peer.R: %d records, %d failed unit(s) -> %s", nrow(tab), N_FAILED, opts$out))
  if (N_FAILED > 0L) quit(status = 1)
}

main(commandArgs(trailingOnly = TRUE))
