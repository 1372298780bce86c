#!/usr/bin/env python3
"""peer.py: the Python peer of `retrotrial analyze` for the side-by-side benchmark (issue #9,
benches/compare.sh, benches/RESULTS.md).

    python benches/peers/peer.py FILE.csv [--analyses a,b,c] [--permutations 10000]
        [--bootstrap 2000] [--seed 20240601] [--study study.toml] --out results.csv

It reads the long trial CSV that `retrotrial analyze` reads and computes, per outcome, the records
of spec records.md §4/§4.1 with numpy, pandas, scipy and statsmodels (benches/peers/
requirements.txt), following benches/peers/peer.R and the spec's §6.2 list of defaults that
silently disagree with R (every method is passed explicitly). Where those libraries have no
function for a record, the spec's formula is written out here; benches/RESULTS.md lists each
such place:
  - Wilcoxon / Mann-Whitney Hodges-Lehmann estimate and CI: scipy has none; R's algorithm
    (exact: Walsh averages / pairwise differences; normal: root of the standardised statistic,
    tolerance 1e-4 as R's uniroot) is ported.
  - LMM: statsmodels MixedLM (REML) gives the fit; it has no Satterthwaite or Kenward-Roger df,
    so the Satterthwaite df are computed from the REML derivatives at MixedLM's optimum
    (spec §5.6) and Kenward-Roger is not computed (no Python implementation exists). nlme's
    between/within df rule is a counting rule and is applied to MixedLM's Wald statistics.
  - MMRM: statsmodels has no GLS with an unstructured covariance estimated by REML, so it is a
    numpy REML (Newton's method on the covariance parameters) with the same Satterthwaite df.
  - Permutation p: scipy.stats.permutation_test draws the null distribution; its own p-value is
    2*min(one-sided) (spec §6.2), so the spec's p = (1 + count)/(B + 1) is taken from it.

Output: one CSV line per record (outcome, analysis, contrast, statistic_name, statistic, df,
p_value, estimate, ci_low, ci_high), full precision, "NA" for missing. Exit status: 0 all done;
1 some analysis unit failed (FAILED line on stderr; the other records are written); 2 usage or
input error.
"""

import argparse
import math
import re
import sys
import warnings

import numpy as np
import pandas as pd
from scipy import optimize, stats

ALL_ANALYSES = ["descriptives", "paired_t", "wilcoxon_signed_rank", "welch_t", "student_t",
                "mann_whitney", "hedges_g", "rank_biserial", "ancova", "anova_oneway",
                "welch_anova", "kruskal_wallis", "lmm", "mmrm", "responders", "flow",
                "multiplicity", "permutation", "bootstrap"]
HEADER = "participant_id,arm,timepoint,outcome,value"
KNOWN_ARMS = ["backward", "forward", "control"]
KNOWN_OUTCOMES = ["pain_nrs", "womac_total", "tug_seconds", "quad_strength_kg"]
Z975 = stats.norm.ppf(0.975)
# scipy's resampling functions hold batch x N values at once; without a batch size
# permutation_test would allocate 10,000 x 60,000 doubles (4.8 GB) on the 100k cohort.
RESAMPLE_CELLS = 4_000_000

FAILED = 0


def fail(label, err):
    global FAILED
    FAILED += 1
    print(f"FAILED {label}: {type(err).__name__}: {err}", file=sys.stderr)


def num(x):
    """A finite float or None (written as NA)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def rec(outcome, analysis, contrast, statistic_name, statistic=None, df=None, p_value=None,
        estimate=None, ci_low=None, ci_high=None, **extra):
    # extra holds the values the spec puts in `extra` (computed, not written), as in peer.R.
    return {"outcome": outcome, "analysis": analysis, "contrast": contrast,
            "statistic_name": statistic_name, "statistic": num(statistic), "df": num(df),
            "p_value": num(p_value), "estimate": num(estimate), "ci_low": num(ci_low),
            "ci_high": num(ci_high), "extra": extra}


def t_ci(est, se, df):
    h = stats.t.ppf(0.975, df) * se
    return est - h, est + h


def pairs_of(arms):
    return [(a, b) for i, a in enumerate(arms) for b in arms[i + 1:]]


# ------------------------------------------------------------------------------------------------
# Input and ordering (spec §3, §6.3)
# ------------------------------------------------------------------------------------------------

def read_study(path):
    """The [outcomes.NAME] tables of the study TOML (better, mcid, mcid_kind)."""
    import tomllib
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    out = {}
    for name, t in doc.get("outcomes", {}).items():
        out[name] = {"better": t.get("better", "lower"), "mcid": t.get("mcid"),
                     "mcid_kind": t.get("mcid_kind", "absolute")}
    return out


def read_trial(path):
    with open(path, encoding="utf-8") as f:
        if f.readline().rstrip("\r\n") != HEADER:
            sys.exit(f"peer.py: header must be exactly '{HEADER}'")
    # Only "" and "NA" are missing (R's na.strings); pandas' default list has more.
    d = pd.read_csv(path, dtype={"participant_id": str, "arm": str, "timepoint": str,
                                 "outcome": str, "value": float},
                    na_values=["", "NA"], keep_default_na=False)
    # The validation retrotrial also does before any analysis (§3).
    problems = []
    if len(d) == 0:
        problems.append("no data rows")
    if d[["participant_id", "arm", "timepoint", "outcome"]].isna().any().any():
        problems.append("missing participant_id/arm/timepoint/outcome")
    if np.isinf(d["value"].to_numpy()).any():
        problems.append("non-finite value")
    if d.duplicated(["participant_id", "timepoint", "outcome"]).any():
        problems.append("duplicate (participant, timepoint, outcome) row")
    if d[["participant_id", "arm"]].drop_duplicates()["participant_id"].duplicated().any():
        problems.append("participant in two arms")
    if not (d["timepoint"] == "baseline").any():
        problems.append("no baseline timepoint")
    if problems:
        sys.exit("peer.py: invalid input: " + "; ".join(problems))
    return d


def order_known_first(values, known):
    values = set(values)
    return [k for k in known if k in values] + sorted(values - set(known))


def order_timepoints(tps):
    def key(t):
        m = re.search(r"([0-9]+)$", t)
        return (float(m.group(1)) if m else math.inf, t)
    return ["baseline"] + sorted(set(tps) - {"baseline"}, key=key)


def complete_cases(d_o, last_tp):
    """Participants with baseline and last value, by participant_id; change rounded to 9 dp."""
    v = d_o[d_o["value"].notna()]
    base = v.loc[v["timepoint"] == "baseline", ["participant_id", "arm", "value"]]
    last = v.loc[v["timepoint"] == last_tp, ["participant_id", "value"]]
    cc = base.merge(last, on="participant_id", suffixes=("_base", "_last"))
    cc = cc.sort_values("participant_id", kind="stable").reset_index(drop=True)
    cc = cc.rename(columns={"value_base": "base", "value_last": "last"})
    cc["change"] = np.round(cc["last"].to_numpy() - cc["base"].to_numpy(), 9)
    return cc


# ------------------------------------------------------------------------------------------------
# Descriptives, t tests, rank tests, effect sizes (§5.1-§5.3)
# ------------------------------------------------------------------------------------------------

def an_descriptives(ctx):
    out = []

    def desc(contrast, v, n_empty):
        n = len(v)
        m = v.mean()
        sd = v.std(ddof=1) if n > 1 else None
        ci = t_ci(m, sd / math.sqrt(n), n - 1) if n > 1 else (None, None)
        q1, med, q3 = np.quantile(v, [0.25, 0.5, 0.75], method="linear")  # R type 7
        return rec(ctx["outcome"], "descriptives", contrast, "mean", statistic=m, df=n - 1,
                   estimate=m, ci_low=ci[0], ci_high=ci[1], n=n, sd=sd, median=med, q1=q1,
                   q3=q3, min=v.min(), max=v.max(), n_empty=n_empty)

    cells = {k: g.to_numpy() for k, g in ctx["d_o"].groupby(["arm", "timepoint"])["value"]}
    for arm in ctx["arms"]:
        for tp in ctx["timepoints"]:
            cell = cells.get((arm, tp))
            if cell is None:
                continue
            v = cell[~np.isnan(cell)]
            if len(v):
                out.append(desc(f"{arm}@{tp}", v, int(np.isnan(cell).sum())))
    for arm in ctx["arms"]:
        v = ctx["changes"][arm]
        if len(v):
            out.append(desc(f"{arm}@change", v, None))
    return out


def an_paired_t(ctx):
    out = []
    for arm in ctx["arms"]:
        ch = ctx["changes"][arm]
        if len(ch) < 2:
            continue
        res = stats.ttest_1samp(ch, 0.0)
        ci = res.confidence_interval(0.95)
        out.append(rec(ctx["outcome"], "paired_t", f"{arm}:{ctx['last_tp']}-baseline", "t",
                       statistic=res.statistic, df=res.df, p_value=res.pvalue,
                       estimate=ch.mean(), ci_low=ci.low, ci_high=ci.high))
    return out


def _int_poly_quantile(counts, p):
    """Smallest q with P(X <= q) >= p for integer counts over 0..len-1 (R's qsignrank/qwilcox)."""
    total = sum(counts)
    acc = 0
    for q, c in enumerate(counts):
        acc += c
        if acc / total >= p * (1 - 64 * sys.float_info.epsilon):
            return q
    return len(counts) - 1


def signrank_counts(n):
    """Number of subsets of 1..n with each rank sum (exact null of V), Python ints."""
    counts = [1] + [0] * (n * (n + 1) // 2)
    for k in range(1, n + 1):
        for s in range(len(counts) - 1, k - 1, -1):
            counts[s] += counts[s - k]
    return counts


def wilcox_counts(m, n):
    """Null distribution counts of U for sizes m, n: the Gaussian binomial [m+n choose m]_q."""
    size = m * n + 1
    poly = [1] + [0] * (size - 1)
    for i in range(1, m + 1):
        # multiply by (1 - q^(n+i)), then divide by (1 - q^i) (a geometric series)
        k = n + i
        for s in range(size - 1, k - 1, -1):
            poly[s] -= poly[s - k]
        for s in range(i, size):
            poly[s] += poly[s - i]
    return poly


def _tie_term(ranks):
    _, t = np.unique(ranks, return_counts=True)
    return float((t.astype(float) ** 3 - t).sum())


def _root(f, lo, hi):
    """R's root(): the end point when the sign does not change, else uniroot(tol = 1e-4)."""
    f_lo, f_hi = f(lo), f(hi)
    if f_lo <= 0:
        return lo
    if f_hi >= 0:
        return hi
    return optimize.brentq(f, lo, hi, xtol=1e-4)


def hl_one_sample(x, exact):
    """Hodges-Lehmann pseudo-median and 95 % CI as R's wilcox.test(x, conf.int = TRUE)."""
    n = len(x)
    if exact:
        i, j = np.triu_indices(n)
        walsh = np.sort((x[i] + x[j]) / 2)
        qu = _int_poly_quantile(signrank_counts(n), 0.025) or 1
        ql = n * (n + 1) // 2 - qu
        return np.median(walsh), walsh[qu - 1], walsh[ql]

    def wdiff(d, zq, correct=True):
        xd = x - d
        xd = xd[xd != 0]
        nx = len(xd)
        dr = stats.rankdata(np.abs(xd))
        zd = dr[xd > 0].sum() - nx * (nx + 1) / 4
        sigma = math.sqrt(nx * (nx + 1) * (2 * nx + 1) / 24 - _tie_term(dr) / 48)
        corr = 0.5 * np.sign(zd) if correct else 0.0
        return (zd - corr) / sigma - zq

    lo, hi = x.min(), x.max()
    ci = (_root(lambda d: wdiff(d, Z975), lo, hi), _root(lambda d: wdiff(d, -Z975), lo, hi))
    est = optimize.brentq(lambda d: wdiff(d, 0.0, correct=False), lo, hi, xtol=1e-4)
    return est, ci[0], ci[1]


def hl_two_sample(x, y, exact):
    """Hodges-Lehmann location shift x - y and 95 % CI as R's wilcox.test(x, y, conf.int = TRUE)."""
    n1, n2 = len(x), len(y)
    if exact:
        diffs = np.sort(np.subtract.outer(x, y).ravel())
        qu = _int_poly_quantile(wilcox_counts(n1, n2), 0.025) or 1
        ql = n1 * n2 - qu
        return np.median(diffs), diffs[qu - 1], diffs[ql]

    def wdiff(d, zq, correct=True):
        dr = stats.rankdata(np.concatenate([x - d, y]))
        dz = dr[:n1].sum() - n1 * (n1 + 1) / 2 - n1 * n2 / 2
        ties = _tie_term(dr) / ((n1 + n2) * (n1 + n2 - 1))
        sigma = math.sqrt((n1 * n2 / 12) * ((n1 + n2 + 1) - ties))
        corr = 0.5 * np.sign(dz) if correct else 0.0
        return (dz - corr) / sigma - zq

    lo, hi = x.min() - y.max(), x.max() - y.min()
    ci = (_root(lambda d: wdiff(d, Z975), lo, hi), _root(lambda d: wdiff(d, -Z975), lo, hi))
    est = optimize.brentq(lambda d: wdiff(d, 0.0, correct=False), lo, hi, xtol=1e-4)
    return est, ci[0], ci[1]


def an_wilcoxon(ctx):
    out = []
    for arm in ctx["arms"]:
        ch = ctx["changes"][arm]
        if len(ch) < 1:
            continue
        label = f"{ctx['outcome']} wilcoxon_signed_rank {arm}"
        try:
            contrast = f"{arm}:{ctx['last_tp']}-baseline"
            nonzero = ch[ch != 0]
            n = len(nonzero)
            if n == 0:
                out.append(rec(ctx["outcome"], "wilcoxon_signed_rank", contrast, "V",
                               statistic=0.0, estimate=np.median(ch)))
                continue
            ranks = stats.rankdata(np.abs(nonzero))
            V = ranks[nonzero > 0].sum()   # scipy reports min(W+, W-); the spec's V is W+
            # R's rule (§5.2): exact when n < 50, no ties and no zeros; scipy's "auto" differs.
            exact = n < 50 and len(np.unique(np.abs(nonzero))) == n and n == len(ch)
            res = stats.wilcoxon(ch, zero_method="wilcox", correction=True,
                                 method="exact" if exact else "approx")
            try:
                hl = hl_one_sample(ch, exact)
            except (ValueError, ZeroDivisionError):
                hl = (None, None, None)   # every value tied: R gives no CI either
            out.append(rec(ctx["outcome"], "wilcoxon_signed_rank", contrast, "V", statistic=V,
                           p_value=res.pvalue, estimate=np.median(ch), hl=hl))
        except Exception as e:  # noqa: BLE001 - a failed unit omits only its own records
            fail(label, e)
    return out


def for_pairs(ctx, analysis, f):
    ok = [a for a in ctx["arms"] if len(ctx["changes"][a]) >= 2]
    out = []
    for a, b in pairs_of(ok):
        try:
            out.append(f(ctx["changes"][a], ctx["changes"][b], f"{a}-{b}"))
        except Exception as e:  # noqa: BLE001
            fail(f"{ctx['outcome']} {analysis} {a}-{b}", e)
    return out


def two_sample_t(ctx, analysis, equal_var):
    def f(x, y, label):
        # scipy's default is Student (equal_var=True); R's t.test default is Welch (§6.2).
        res = stats.ttest_ind(x, y, equal_var=equal_var)
        ci = res.confidence_interval(0.95)
        return rec(ctx["outcome"], analysis, label, "t", statistic=res.statistic, df=res.df,
                   p_value=res.pvalue, estimate=x.mean() - y.mean(), ci_low=ci.low,
                   ci_high=ci.high)
    return for_pairs(ctx, analysis, f)


def mann_whitney(x, y):
    n1, n2 = len(x), len(y)
    pooled = np.concatenate([x, y])
    exact = n1 < 50 and n2 < 50 and len(np.unique(pooled)) == len(pooled)
    # scipy's "auto" goes exact only for <= 8 observations (§6.2): pass R's rule explicitly.
    res = stats.mannwhitneyu(x, y, use_continuity=True, alternative="two-sided",
                             method="exact" if exact else "asymptotic")
    return res, exact


def an_mann_whitney(ctx):
    def f(x, y, label):
        res, exact = mann_whitney(x, y)
        try:
            hl = hl_two_sample(x, y, exact)
        except (ValueError, ZeroDivisionError):
            hl = (None, None, None)
        return rec(ctx["outcome"], "mann_whitney", label, "U", statistic=res.statistic,
                   p_value=res.pvalue, estimate=res.statistic / (len(x) * len(y)), hl=hl)
    return for_pairs(ctx, "mann_whitney", f)


def nct_limits(t, df):
    """Steiger & Fouladi: ncp with P(T_{df,ncp} <= t) = 0.975 and 0.025 (§5.3)."""
    def cdf(ncp):
        # scipy's nct.cdf returns NaN deep in the lower tail (e.g. t = -5.5, df = 190,
        # ncp = 3.6), where the bracket search below goes; the value there is ~0 (~1 above).
        v = stats.nct.cdf(t, df, ncp)
        return v if math.isfinite(v) else (0.0 if t < ncp else 1.0)

    def solve(target):
        f = lambda ncp: cdf(ncp) - target  # noqa: E731
        lo, hi = t - 2, t + 2
        while f(lo) < 0:
            lo -= 2 * (hi - lo)
        while f(hi) > 0:
            hi += 2 * (hi - lo)
        return optimize.brentq(f, lo, hi, xtol=1e-12)
    return solve(0.975), solve(0.025)


def an_hedges_g(ctx):
    def f(x, y, label):
        n1, n2 = len(x), len(y)
        m = n1 + n2 - 2
        sp = math.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / m)
        d = (x.mean() - y.mean()) / sp
        # Exact J through log-gamma; statsmodels/pingouin use the approximate J (§6.2).
        J = math.exp(math.lgamma(m / 2) - math.log(math.sqrt(m / 2)) - math.lgamma((m - 1) / 2))
        g = J * d
        vi = 1 / n1 + 1 / n2 + g * g / (2 * (n1 + n2))
        scale = math.sqrt(1 / n1 + 1 / n2)
        nct = [v * scale * J for v in nct_limits(d / scale, m)] if math.isfinite(d) else None
        return rec(ctx["outcome"], "hedges_g", label, "g", statistic=g, estimate=g,
                   ci_low=g - Z975 * math.sqrt(vi), ci_high=g + Z975 * math.sqrt(vi), nct=nct)
    return for_pairs(ctx, "hedges_g", f)


def an_rank_biserial(ctx):
    def f(x, y, label):
        res, _ = mann_whitney(x, y)
        r = 2 * res.statistic / (len(x) * len(y)) - 1
        return rec(ctx["outcome"], "rank_biserial", label, "r", statistic=r, estimate=r)
    return for_pairs(ctx, "rank_biserial", f)


# ------------------------------------------------------------------------------------------------
# ANCOVA and the ANOVA family (§5.4, §5.5)
# ------------------------------------------------------------------------------------------------

def model_arms(ctx):
    present = set(ctx["cc"]["arm"])
    return [a for a in ctx["arms"] if a in present]


def an_ancova(ctx):
    import statsmodels.api as sm
    arms = model_arms(ctx)
    if len(arms) < 2:
        return []
    cc = ctx["cc"]
    ref = "forward" if "forward" in arms else arms[0]
    others = [a for a in arms if a != ref]
    arm = cc["arm"].to_numpy()
    base = cc["base"].to_numpy()
    X = np.column_stack([np.ones(len(cc))] + [(arm == a).astype(float) for a in others] + [base])
    fit = sm.OLS(cc["last"].to_numpy(), X).fit()
    dfr = fit.df_resid
    V = fit.cov_params()

    def e(a):
        v = np.zeros(X.shape[1])
        if a != ref:
            v[1 + others.index(a)] = 1.0
        return v

    def lin(c):
        est = c @ fit.params
        se = math.sqrt(c @ V @ c)
        return est, se, t_ci(est, se, dfr)

    o = ctx["outcome"]
    out = []
    for a, b in pairs_of(arms):
        est, se, ci = lin(e(a) - e(b))
        t = est / se
        out.append(rec(o, "ancova", f"{a}-{b}", "t", statistic=t, df=dfr,
                       p_value=2 * stats.t.sf(abs(t), dfr), estimate=est, ci_low=ci[0],
                       ci_high=ci[1], se=se))
    k = X.shape[1] - 1
    ci = fit.conf_int()[k]
    out.append(rec(o, "ancova", "baseline_slope", "t", statistic=fit.tvalues[k], df=dfr,
                   p_value=fit.pvalues[k], estimate=fit.params[k], ci_low=ci[0], ci_high=ci[1]))
    bbar = base.mean()
    for a in arms:
        c = e(a)
        c[0] = 1.0
        c[-1] = bbar
        est, se, ci = lin(c)
        out.append(rec(o, "ancova", a, "adjusted_mean", statistic=est, df=dfr, estimate=est,
                       ci_low=ci[0], ci_high=ci[1]))
    restricted = sm.OLS(cc["last"].to_numpy(), X[:, [0, k]]).fit()
    F, p, _ = fit.compare_f_test(restricted)
    out.append(rec(o, "ancova", "arm", "F", statistic=F, df=dfr, p_value=p, rss=fit.ssr))
    return out


def change_groups(ctx):
    return [ctx["changes"][a] for a in model_arms(ctx)]


def an_anova_oneway(ctx):
    groups = change_groups(ctx)
    if len(groups) < 2:
        return []
    res = stats.f_oneway(*groups)
    allv = np.concatenate(groups)
    grand = allv.mean()
    eta2 = sum(len(g) * (g.mean() - grand) ** 2 for g in groups) / ((allv - grand) ** 2).sum()
    return [rec(ctx["outcome"], "anova_oneway", "all", "F", statistic=res.statistic,
                df=len(allv) - len(groups), p_value=res.pvalue, eta_squared=eta2)]


def an_welch_anova(ctx):
    groups = change_groups(ctx)
    if len(groups) < 2:
        return []
    res = stats.f_oneway(*groups, equal_var=False)
    # df2 of Welch's ANOVA (scipy does not return it): 1/(3 lambda), §5.5.
    n = np.array([len(g) for g in groups], float)
    w = n / np.array([g.var(ddof=1) for g in groups])
    k = len(groups)
    lam = ((1 - w / w.sum()) ** 2 / (n - 1)).sum() / (k * k - 1)
    return [rec(ctx["outcome"], "welch_anova", "all", "F", statistic=res.statistic,
                df=1 / (3 * lam), p_value=res.pvalue)]


def an_kruskal_wallis(ctx):
    groups = change_groups(ctx)
    if len(groups) < 2:
        return []
    res = stats.kruskal(*groups)
    return [rec(ctx["outcome"], "kruskal_wallis", "all", "H", statistic=res.statistic,
                df=len(groups) - 1, p_value=res.pvalue)]


# ------------------------------------------------------------------------------------------------
# Resampling (§5.8, §5.9), primary contrast only
# ------------------------------------------------------------------------------------------------

def primary_xy(ctx):
    a, b = ctx["primary"]
    x, y = ctx["changes"][a], ctx["changes"][b]
    if len(x) < 2 or len(y) < 2:
        return None
    return x, y, f"{a}-{b}"


def mean_diff(x, y, axis=-1):
    return x.mean(axis=axis) - y.mean(axis=axis)


def an_permutation(ctx):
    xy = primary_xy(ctx)
    if xy is None:
        return []
    x, y, label = xy
    B = ctx["opts"].permutations
    res = stats.permutation_test((x, y), mean_diff, permutation_type="independent",
                                 vectorized=True, n_resamples=B, alternative="two-sided",
                                 batch=max(1, RESAMPLE_CELLS // (len(x) + len(y))),
                                 rng=np.random.default_rng(ctx["opts"].seed))
    t_obs = res.statistic
    tstar = res.null_distribution
    count = int((np.abs(tstar) >= abs(t_obs) - 1e-10 * max(1.0, abs(t_obs))).sum())
    p = (1 + count) / (len(tstar) + 1)   # §5.8, not scipy's 2*min(one-sided)
    return [rec(ctx["outcome"], "permutation", label, "mean_diff", statistic=t_obs,
                p_value=p, estimate=t_obs, count_extreme=count, null_sd=tstar.std(ddof=1))]


def an_bootstrap(ctx):
    xy = primary_xy(ctx)
    if xy is None:
        return []
    x, y, label = xy
    B = ctx["opts"].bootstrap
    # Multi-sample bootstrap resamples each sample separately: the stratified bootstrap of §5.9.
    res = stats.bootstrap((x, y), mean_diff, vectorized=True, n_resamples=B, method="BCa",
                          confidence_level=0.95,
                          batch=max(1, RESAMPLE_CELLS // (len(x) + len(y))),
                          rng=np.random.default_rng(ctx["opts"].seed))
    tstar = res.bootstrap_distribution
    t_obs = mean_diff(x, y)
    perc = np.quantile(tstar, [0.025, 0.975], method="linear")   # type 7, §5.9
    ex = {"boot_se": tstar.std(ddof=1), "bias": tstar.mean() - t_obs}
    return [rec(ctx["outcome"], "bootstrap", label, "percentile_ci", statistic=t_obs,
                estimate=t_obs, ci_low=perc[0], ci_high=perc[1], **ex),
            rec(ctx["outcome"], "bootstrap", label, "bca_ci", statistic=t_obs, estimate=t_obs,
                ci_low=res.confidence_interval.low, ci_high=res.confidence_interval.high, **ex)]


# ------------------------------------------------------------------------------------------------
# REML derivatives for the Satterthwaite df (LMM and MMRM), grouped by missingness pattern
# ------------------------------------------------------------------------------------------------

class Patterns:
    """Rows grouped by participant and by the set S of timepoints a participant has.

    The covariance of a participant's rows is Sigma[S, S] for a T x T matrix Sigma that is linear
    in the parameters, Sigma = sum_k phi_k B_k (random intercept: B = J, I; unstructured: one
    symmetric 0/1 matrix per distinct element). Participants with the same S share V_S^-1, so
    X'V^-1 X, the REML criterion and its derivatives (spec §5.6; clinical.R) are sums over
    patterns of W_S[a, b] * X_a'X_b, with X_a the rows at the a-th timepoint of S.
    """

    def __init__(self, X, y, pid, tp, n_tp):
        self.p = X.shape[1]
        self.N = len(y)
        pos = np.full((pid.max() + 1, n_tp), -1)
        pos[pid, tp] = np.arange(len(y))
        code = ((pos >= 0) * (1 << np.arange(n_tp))).sum(axis=1)
        self.pats = []
        for cd in np.unique(code[code > 0]):
            S = [t for t in range(n_tp) if cd >> t & 1]
            rows = pos[code == cd][:, S]
            Xs = X[rows]                                  # (n, s, p)
            Y = y[rows]                                   # (n, s)
            n, s = rows.shape
            flat = Xs.reshape(n, s * self.p)
            G = (flat.T @ flat).reshape(s, self.p, s, self.p).transpose(0, 2, 1, 3)
            XY = np.einsum("nap,nb->abp", Xs, Y)
            self.pats.append({"S": S, "n": n, "Xs": Xs, "Y": Y, "G": G, "XY": XY,
                              "YY": Y.T @ Y})

    def fit(self, Sigma, basis, derivs=True):
        """GLS at Sigma: beta, C = (X'V^-1X)^-1, REML criterion D; with derivs also the
        gradient and Hessian of D in the basis coefficients and M_k = X'V^-1 B_k V^-1 X."""
        p = self.p
        M = np.zeros((p, p))
        Xwy = np.zeros(p)
        logdet = 0.0
        yWy = 0.0
        for pat in self.pats:
            S = pat["S"]
            W = np.linalg.inv(Sigma[np.ix_(S, S)])
            pat["W"] = W
            M += np.einsum("ab,abpq->pq", W, pat["G"])
            Xwy += np.einsum("ab,abp->p", W, pat["XY"])
            yWy += (W * pat["YY"]).sum()
            logdet += pat["n"] * np.linalg.slogdet(Sigma[np.ix_(S, S)])[1]
        C = np.linalg.inv(M)
        beta = C @ Xwy
        D = logdet + np.linalg.slogdet(M)[1] + yWy - beta @ Xwy
        out = {"beta": beta, "C": C, "D": D}
        if not derivs:
            return out
        K = len(basis)
        Mk = np.zeros((K, p, p))
        Nkl = np.zeros((K, K, p, p))
        trWB = np.zeros(K)
        trWW = np.zeros((K, K))
        uBu = np.zeros(K)
        yterm = np.zeros((K, K))
        q = np.zeros((K, p))
        for pat in self.pats:
            S, W, n = pat["S"], pat["W"], pat["n"]
            U = (pat["Y"] - pat["Xs"] @ beta) @ W          # rows u_i = r_i V_S^-1
            Bs = [B[np.ix_(S, S)] for B in basis]
            WB = [W @ B for B in Bs]
            UB = [U @ B for B in Bs]
            for k in range(K):
                Mk[k] += np.einsum("ab,abpq->pq", WB[k] @ W, pat["G"])
                trWB[k] += n * np.trace(WB[k])
                uBu[k] += (UB[k] * U).sum()
                q[k] += np.einsum("nap,na->p", pat["Xs"], UB[k] @ W)
                for j in range(K):
                    trWW[k, j] += n * np.trace(WB[k] @ WB[j])
                    Nkl[k, j] += np.einsum("ab,abpq->pq", WB[k] @ WB[j] @ W, pat["G"])
                    yterm[k, j] += (UB[k] * (UB[j] @ W)).sum()
        grad = trWB - np.einsum("pq,kqp->k", C, Mk) - uBu
        H = np.zeros((K, K))
        for k in range(K):
            for j in range(K):
                tr_pp = trWW[k, j] - 2 * np.trace(C @ Nkl[k, j]) + np.trace(C @ Mk[k] @ C @ Mk[j])
                H[k, j] = -tr_pp + 2 * (yterm[k, j] - q[k] @ C @ q[j])
        out.update(Mk=Mk, grad=grad, H=H, Wmat=2 * np.linalg.inv(H))
        return out


def satterthwaite_g(f, lv):
    """g_k = d(l'Cl)/d phi_k = l' C M_k C l."""
    Cl = f["C"] @ lv
    return np.array([Cl @ Mk @ Cl for Mk in f["Mk"]])


def satterthwaite_df(f, lv):
    """nu = 2 (l'Cl)^2 / (g' W g) (spec §5.6)."""
    g = satterthwaite_g(f, lv)
    return 2 * (lv @ f["C"] @ lv) ** 2 / (g @ f["Wmat"] @ g)


def contest_md(f, L, beta, V):
    """lmerTest's contestMD: multi-df F with Satterthwaite denominator df (§5.6)."""
    d, P = np.linalg.eigh(L @ V @ L.T)
    order = np.argsort(d)[::-1]
    d, P = d[order], P[:, order]
    keep = d > math.sqrt(np.finfo(float).eps) * d[0]
    d, P = d[keep], P[:, keep]
    q = len(d)
    PL = P.T @ L
    F = ((PL @ beta) ** 2 / d).sum() / q
    # nu_m = 2 d_m^2 / (g_m' W g_m) with g_m the gradient of l_m C l_m' (l_m = row m of P'L).
    g = [satterthwaite_g(f, PL[m]) for m in range(q)]
    nu = np.array([2 * d[m] ** 2 / (g[m] @ f["Wmat"] @ g[m]) for m in range(q)])
    if q == 1:
        ddf = nu[0]
    elif np.all(np.abs(np.diff(nu)) < 1e-8):
        ddf = nu.mean()
    elif np.any(nu <= 2):
        ddf = 2.0
    else:
        E = (nu / (nu - 2)).sum()
        ddf = 2 * E / (E - q)
    return F, q, ddf


# ------------------------------------------------------------------------------------------------
# LMM (§5.6): statsmodels MixedLM
# ------------------------------------------------------------------------------------------------

def lmm_outcome(ctx):
    import statsmodels.api as sm
    o = ctx["outcome"]
    x = ctx["d_o"][ctx["d_o"]["value"].notna()]
    arms_o = [a for a in ctx["arms"] if a in set(x["arm"])]
    tps_o = [t for t in ctx["timepoints"] if t in set(x["timepoint"])]
    if len(arms_o) < 2 or len(tps_o) < 2:
        return []
    ref_arm = "forward" if "forward" in arms_o else arms_o[0]
    ref_tp = "baseline" if "baseline" in tps_o else tps_o[0]
    a_lv = [a for a in arms_o if a != ref_arm]
    t_lv = [t for t in tps_o if t != ref_tp]
    tp_order = {t: i for i, t in enumerate([ref_tp] + t_lv)}
    x = x.assign(_tp=x["timepoint"].map(tp_order)).sort_values(["participant_id", "_tp"],
                                                                kind="stable")
    arm = x["arm"].to_numpy()
    tp = x["timepoint"].to_numpy()
    # Treatment coding in R's column order: intercept, arms, timepoints, then the interactions
    # timepoint-major with the arm varying fastest.
    cols = {"intercept": np.ones(len(x))}
    for a in a_lv:
        cols[f"arm={a}"] = (arm == a).astype(float)
    for t in t_lv:
        cols[f"timepoint={t}"] = (tp == t).astype(float)
    for t in t_lv:
        for a in a_lv:
            cols[f"arm={a}:timepoint={t}"] = ((arm == a) & (tp == t)).astype(float)
    X = pd.DataFrame(cols, index=x.index)
    X = X.loc[:, X.abs().sum() > 0]      # an empty arm x timepoint cell drops its column
    names = list(X.columns)
    inter = np.array([":" in c for c in names])
    if not inter.any():
        raise ValueError("no interaction column left")
    y = x["value"].to_numpy()
    pid_codes, pid_index = pd.factorize(x["participant_id"], sort=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.MixedLM(y, X, groups=pid_codes).fit(reml=True)
    p = len(names)
    beta = res.fe_params.to_numpy()
    V = res.cov_params().to_numpy()[:p, :p]
    se = np.sqrt(np.diag(V))
    s2u = float(res.cov_re.iloc[0, 0])
    s2e = float(res.scale)

    # Satterthwaite df from the REML derivatives at MixedLM's (sigma2_u, sigma2_e).
    T = len(tps_o)
    pat = Patterns(X.to_numpy(), y, pid_codes, x["_tp"].to_numpy(), T)
    basis = [np.ones((T, T)), np.eye(T)]
    f = pat.fit(s2u * basis[0] + s2e * basis[1], basis)
    L = np.eye(p)[inter]
    F, q, ddf = contest_md(f, L, beta, V)
    chisq = beta[inter] @ np.linalg.solve(V[np.ix_(inter, inter)], beta[inter])

    # nlme's df (Pinheiro & Bates §4.2.1): a column is "within" when it varies inside at least
    # one participant; intercept gets the larger of the two.
    Xa = X.to_numpy()
    starts = np.flatnonzero(np.r_[True, pid_codes[1:] != pid_codes[:-1]])
    varies = (np.maximum.reduceat(Xa, starts) != np.minimum.reduceat(Xa, starts)).any(axis=0)
    n_part = len(pid_index)
    p_within = int(varies[1:].sum())
    p_between = p - 1 - p_within
    df_within = len(y) - n_part - p_within
    df_between = n_part - 1 - p_between
    df_nlme = np.where(varies, df_within, df_between).astype(float)
    df_nlme[0] = max(df_within, df_between)

    out = [rec(o, "lmm", "arm:timepoint", "F_satterthwaite", statistic=F, df=ddf,
               p_value=stats.f.sf(F, q, ddf)),
           rec(o, "lmm", "arm:timepoint", "F_nlme", statistic=chisq / q, df=df_within,
               p_value=stats.f.sf(chisq / q, q, df_within)),
           rec(o, "lmm", "arm:timepoint", "chisq_wald", statistic=chisq, df=q,
               p_value=stats.chi2.sf(chisq, q))]
    for j, name in enumerate(names):
        t = beta[j] / se[j]
        nu = satterthwaite_df(f, np.eye(p)[j])
        ci = t_ci(beta[j], se[j], nu)
        out.append(rec(o, "lmm", name, "t", statistic=t, df=nu, p_value=2 * stats.t.sf(abs(t), nu),
                       estimate=beta[j], ci_low=ci[0], ci_high=ci[1], df_nlme=df_nlme[j],
                       p_nlme=2 * stats.t.sf(abs(t), df_nlme[j])))
    out += [rec(o, "lmm", "variance", "sigma2_participant", statistic=s2u, estimate=s2u),
            rec(o, "lmm", "variance", "sigma2_residual", statistic=s2e, estimate=s2e),
            rec(o, "lmm", "model", "reml_loglik", statistic=res.llf)]
    return out


# ------------------------------------------------------------------------------------------------
# MMRM (§4.1): numpy REML with unstructured covariance, Satterthwaite df
# ------------------------------------------------------------------------------------------------

def mmrm_outcome(ctx):
    o = ctx["outcome"]
    d_o = ctx["d_o"]
    v = d_o[d_o["value"].notna()]
    base = v.loc[v["timepoint"] == "baseline", ["participant_id", "value"]].rename(
        columns={"value": "baseline"})
    x = v[v["timepoint"] != "baseline"].merge(base, on="participant_id")
    arms_o = [a for a in ctx["arms"] if a in set(x["arm"])]
    tps = [t for t in ctx["timepoints"][1:] if t in set(x["timepoint"])]
    if len(arms_o) < 2 or not tps:
        return []
    ref = "forward" if "forward" in arms_o else arms_o[0]
    a_lv = [a for a in arms_o if a != ref]
    tp_index = {t: i for i, t in enumerate(tps)}
    x = x.assign(_tp=x["timepoint"].map(tp_index)).sort_values(["participant_id", "_tp"],
                                                                kind="stable")
    T = len(tps)

    # value ~ baseline * timepoint + arm * timepoint (one post-baseline timepoint: the ANCOVA).
    def design(arm, tpi, b):
        arm, tpi, b = np.asarray(arm), np.asarray(tpi), np.asarray(b, float)
        cols = [np.ones(len(b)), b]
        cols += [(tpi == i).astype(float) for i in range(1, T)]
        cols += [b * (tpi == i) for i in range(1, T)]
        cols += [(arm == a).astype(float) for a in a_lv]
        cols += [(arm == a) & (tpi == i) for i in range(1, T) for a in a_lv]
        return np.column_stack(cols).astype(float)

    X = design(x["arm"].to_numpy(), x["_tp"].to_numpy(), x["baseline"].to_numpy())
    y = x["value"].to_numpy()
    pid, _ = pd.factorize(x["participant_id"], sort=True)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise ValueError("rank-deficient design")
    pat = Patterns(X, y, pid, x["_tp"].to_numpy(), T)
    lt = [(a, b) for b in range(T) for a in range(b, T)]
    basis = []
    for a, b in lt:
        B = np.zeros((T, T))
        B[a, b] = B[b, a] = 1.0
        basis.append(B)

    def sigma_of(theta):
        S = np.zeros((T, T))
        for (a, b), t in zip(lt, theta):
            S[a, b] = S[b, a] = t
        return S

    # Start from the OLS residual covariance (pairwise), then Newton on the REML criterion with
    # step halving that keeps Sigma positive definite and D non-increasing.
    beta0 = np.linalg.lstsq(X, y, rcond=None)[0]
    r0 = np.full((pid.max() + 1, T), np.nan)
    r0[pid, x["_tp"].to_numpy()] = y - X @ beta0
    S0 = pd.DataFrame(r0).cov().to_numpy()
    theta = np.array([S0[a, b] for a, b in lt])
    # Newton converges quadratically: once the decrement is below 1e-9, one more step puts the
    # optimum at rounding level (a fixed 1e-20 stop is unreachable when D ~ 1e6).
    f = pat.fit(sigma_of(theta), basis)
    for _ in range(100):
        step = -np.linalg.solve(f["H"], f["grad"])
        decrement = abs(f["grad"] @ step)
        if decrement < 1e-20:
            break
        t = 1.0
        while True:
            cand = theta + t * step
            if np.all(np.linalg.eigvalsh(sigma_of(cand)) > 0):
                new = pat.fit(sigma_of(cand), basis)
                if new["D"] <= f["D"] + 1e-12 * abs(f["D"]):
                    break
            t /= 2
            if t < 1e-10:
                raise RuntimeError("REML Newton found no descent step")
        theta, f = cand, new
        if decrement < 1e-9:
            break
    else:
        raise RuntimeError("REML Newton did not converge in 100 iterations")

    p = X.shape[1]
    n_obs = len(y)
    out = []
    for a, b in pairs_of(arms_o):
        for i, t in enumerate(tps):
            lv = (design([a], [i], [0.0]) - design([b], [i], [0.0]))[0]
            est = lv @ f["beta"]
            se = math.sqrt(lv @ f["C"] @ lv)
            nu = n_obs - p if T == 1 else satterthwaite_df(f, lv)
            ci = t_ci(est, se, nu)
            out.append(rec(o, "mmrm", f"{a}-{b}@{t}", "t", statistic=est / se, df=nu,
                           p_value=2 * stats.t.sf(abs(est / se), nu), estimate=est,
                           ci_low=ci[0], ci_high=ci[1]))
    loglik = -0.5 * ((n_obs - p) * math.log(2 * math.pi) + f["D"])
    out.append(rec(o, "mmrm", "model", "reml_loglik", statistic=loglik))
    return out


# ------------------------------------------------------------------------------------------------
# Responders, flow, multiplicity (§4.1, §5.7)
# ------------------------------------------------------------------------------------------------

def responders_outcome(ctx, spec):
    from statsmodels.stats.proportion import proportion_confint
    cc = ctx["cc"]
    change = cc["change"].to_numpy()
    base = cc["base"].to_numpy()
    improvement = -change if spec["better"] == "lower" else change
    if spec["mcid_kind"] == "absolute":
        resp = improvement >= spec["mcid"]
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            resp = (base != 0) & (np.round(100 * improvement / np.abs(base), 9) >= spec["mcid"])
    arm = cc["arm"].to_numpy()
    arms_o = [a for a in ctx["arms"] if (arm == a).any()]
    o = ctx["outcome"]
    out = []
    st = {}
    for a in arms_o:
        xr, n = int(resp[arm == a].sum()), int((arm == a).sum())
        lo, hi = proportion_confint(xr, n, method="wilson")
        st[a] = (xr, n, xr / n, lo, hi)
        out.append(rec(o, "responders", a, "proportion", statistic=xr / n, estimate=xr / n,
                       ci_low=lo, ci_high=hi))
    for a, b in pairs_of(arms_o):
        x1, n1, p1, l1, u1 = st[a]
        x2, n2, p2, l2, u2 = st[b]
        d = p1 - p2
        lo = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)    # Newcombe hybrid score
        hi = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
        fp = stats.fisher_exact([[x1, x2], [n1 - x1, n2 - x2]]).pvalue
        out.append(rec(o, "responders", f"{a}-{b}", "risk_difference", statistic=d,
                       p_value=fp, estimate=d, ci_low=lo, ci_high=hi))
        rr = p1 / p2 if x2 > 0 else None
        rr_ci = (None, None)
        if min(x1, n1 - x1, x2, n2 - x2) > 0:
            h = Z975 * math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2)
            rr_ci = (math.exp(math.log(rr) - h), math.exp(math.log(rr) + h))
        out.append(rec(o, "responders", f"{a}-{b}", "risk_ratio", statistic=rr, estimate=rr,
                       ci_low=rr_ci[0], ci_high=rr_ci[1]))
        nnt = 1 / d if d != 0 else None
        nnt_ci = (1 / hi, 1 / lo) if (lo > 0 or hi < 0) else (None, None)
        out.append(rec(o, "responders", f"{a}-{b}", "nnt", statistic=nnt, estimate=nnt,
                       ci_low=nnt_ci[0], ci_high=nnt_ci[1]))
    return out


def flow_cells(d, arms, timepoints):
    obs = d.loc[d["value"].notna(), ["participant_id", "arm", "timepoint"]].drop_duplicates()
    n_obs = obs.groupby(["arm", "timepoint"]).size()
    n_rand = d[["participant_id", "arm"]].drop_duplicates().groupby("arm").size()
    return n_obs, n_rand


def flow_outcome(ctx, cells):
    n_obs, n_rand = cells
    o = ctx["outcome"]
    out = []
    for a in ctx["arms"]:
        for t in ctx["timepoints"]:
            n = int(n_obs.get((a, t), 0))
            out.append(rec(o, "flow", f"{a}@{t}", "n_observed", statistic=n, estimate=n))
    arms = ctx["arms"]
    if len(arms) < 2 or ctx["last_tp"] == "baseline":
        return out
    comp = np.array([len(ctx["changes"][a]) for a in arms])
    tab = np.column_stack([comp, np.array([n_rand.get(a, 0) for a in arms]) - comp])
    if len(arms) == 2:
        p = stats.fisher_exact(tab).pvalue
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            try:
                p = stats.chi2_contingency(tab, correction=False).pvalue
            except ValueError:      # a zero column (no non-completers): R gives NaN
                p = None
    out.append(rec(o, "flow", "dropout", "p_differential", p_value=p))
    return out


def multiplicity(records, primary_label):
    from statsmodels.stats.multitest import multipletests
    p = {r["outcome"]: r["p_value"] for r in records
         if r["analysis"] == "welch_t" and r["contrast"] == primary_label
         and r["p_value"] is not None}
    if not p:
        return []
    names = list(p)
    holm = multipletests([p[o] for o in names], method="holm")[1]
    bh = multipletests([p[o] for o in names], method="fdr_bh")[1]
    out = []
    for o, ph, pb in zip(names, holm, bh):
        out.append(rec(o, "multiplicity", primary_label, "p_holm", p_value=ph))
        out.append(rec(o, "multiplicity", primary_label, "p_bh", p_value=pb))
    return out


# ------------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------------

ANALYSES = {
    "descriptives": an_descriptives, "paired_t": an_paired_t, "wilcoxon_signed_rank": an_wilcoxon,
    "welch_t": lambda ctx: two_sample_t(ctx, "welch_t", False),
    "student_t": lambda ctx: two_sample_t(ctx, "student_t", True),
    "mann_whitney": an_mann_whitney, "hedges_g": an_hedges_g, "rank_biserial": an_rank_biserial,
    "ancova": an_ancova, "anova_oneway": an_anova_oneway, "welch_anova": an_welch_anova,
    "kruskal_wallis": an_kruskal_wallis, "permutation": an_permutation,
    "bootstrap": an_bootstrap, "lmm": lmm_outcome, "mmrm": mmrm_outcome,
}


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("--analyses", default=",".join(ALL_ANALYSES))
    ap.add_argument("--permutations", type=int, default=10000)
    ap.add_argument("--bootstrap", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--study")
    ap.add_argument("--out", required=True)
    opts = ap.parse_args(argv)
    opts.analyses = opts.analyses.split(",")
    bad = set(opts.analyses) - set(ALL_ANALYSES)
    if bad:
        ap.error("unknown analysis " + ", ".join(sorted(bad)))
    return opts


def main(argv):
    opts = parse_args(argv)
    want = set(opts.analyses)
    study = read_study(opts.study) if opts.study else {}
    d = read_trial(opts.input)
    arms = order_known_first(d["arm"].unique(), KNOWN_ARMS)
    timepoints = order_timepoints(d["timepoint"].unique())
    outcomes = order_known_first(d["outcome"].unique(), KNOWN_OUTCOMES)
    last_tp = timepoints[-1]
    primary = ("backward", "forward") if {"backward", "forward"} <= set(arms) else tuple(arms[:2])
    cells = flow_cells(d, arms, timepoints) if "flow" in want else None
    by_outcome = dict(tuple(d.groupby("outcome", sort=False)))
    del d

    records = []
    for o in outcomes:
        d_o = by_outcome.pop(o)
        cc = complete_cases(d_o, last_tp)
        arm = cc["arm"].to_numpy()
        ch = cc["change"].to_numpy()
        ctx = {"outcome": o, "d_o": d_o, "cc": cc, "arms": arms, "timepoints": timepoints,
               "last_tp": last_tp, "primary": primary, "opts": opts,
               "changes": {a: ch[arm == a] for a in arms}}
        for name, f in ANALYSES.items():
            if name in want:
                try:
                    records += f(ctx)
                except Exception as e:  # noqa: BLE001 - a failed unit omits only its records
                    fail(f"{o} {name}", e)
        spec = study.get(o)
        if "responders" in want and spec and spec.get("mcid") and last_tp != "baseline":
            try:
                records += responders_outcome(ctx, spec)
            except Exception as e:  # noqa: BLE001
                fail(f"{o} responders", e)
        if "flow" in want:
            records += flow_outcome(ctx, cells)
    if "multiplicity" in want:
        records += multiplicity(records, f"{primary[0]}-{primary[1]}")

    cols = ["outcome", "analysis", "contrast", "statistic_name", "statistic", "df", "p_value",
            "estimate", "ci_low", "ci_high"]
    table = pd.DataFrame([{k: r[k] for k in cols} for r in records], columns=cols)
    table.to_csv(opts.out, index=False, float_format="%.17g", na_rep="NA")
    print(f"peer.py: {len(table)} records, {FAILED} failed unit(s) -> {opts.out}", file=sys.stderr)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
