"""Facts the batch-A CNN entries must get right, pinned in both languages: an edit that breaks one fails here."""

import re

import pytest

from tests.facts import body, refs

# conv backprop: dL/dW is X correlated with the upstream gradient G; dL/dX is a full convolution with W
WEIGHT_GRAD = r"\\frac\{\\partial L\}\{\\partial W\[u,v\]\} = \\sum_\{i,j\} G\[i,j\]\\,X\[i\+u,\\,j\+v\]"
INPUT_GRAD = r"\\frac\{\\partial L\}\{\\partial X\[p,q\]\} = \\sum_\{u,v\} G\[p-u,\\,q-v\]\\,W\[u,v\]"


@pytest.mark.parametrize(
    ("entry_id", "lang", "pattern"),
    [
        # 1×1 convolution: a per-pixel linear map over channels, and the bottleneck arithmetic
        ("conv-1x1", "en", r"C_\\text\{in\}C_\\text\{out\} \+ C_\\text\{out\}"),
        ("conv-1x1", "zh", r"C_\\text\{in\}C_\\text\{out\} \+ C_\\text\{out\}"),
        ("conv-1x1", "en", r"153\{?,\}?600.{0,200}15\{?,\}?872"),
        ("conv-1x1", "zh", r"153\{?,\}?600.{0,200}15\{?,\}?872"),
        ("conv-1x1", "en", r"69\{?,\}?632.{0,120}589\{?,\}?824"),
        ("conv-1x1", "zh", r"69\{?,\}?632.{0,120}589\{?,\}?824"),
        ("conv-1x1", "en", r"nn\.Linear\(256, 64\)"),
        ("conv-1x1", "zh", r"nn\.Linear\(256, 64\)"),
        # depthwise separable: groups=in_channels, the exact cost ratio, FLOPs are not wall time
        ("depthwise-separable", "en", r"groups=in_channels"),
        ("depthwise-separable", "zh", r"groups=in_channels"),
        ("depthwise-separable", "en", r"1/C_\\text\{out\} \+ 1/k\^2"),
        ("depthwise-separable", "zh", r"1/C_\\text\{out\} \+ 1/k\^2"),
        ("depthwise-separable", "en", r"67\{?,\}?840"),
        ("depthwise-separable", "zh", r"67\{?,\}?840"),
        ("depthwise-separable", "en", r"(?i)fewer FLOPs does not mean proportionally faster"),
        ("depthwise-separable", "zh", r"FLOPs 少并不意味着按比例变快"),
        # transposed convolution: output size, not an inverse, checkerboard artifacts
        (
            "transposed-conv",
            "en",
            r"\(H_\\text\{in\}-1\)\\cdot\\text\{stride\} - 2\\cdot\\text\{padding\} \+ \\text\{dilation\}\\cdot\(k-1\)"
            r" \+ \\text\{output\\_padding\} \+ 1",
        ),
        ("transposed-conv", "zh", r"\(H_\\text\{in\}-1\)\\cdot\\text\{stride\} - 2\\cdot\\text\{padding\}"),
        ("transposed-conv", "en", r"\*\*not\*\* the inverse"),
        ("transposed-conv", "zh", r"\*\*不是\*\*卷积的逆运算"),
        ("transposed-conv", "en", r"C\^\\top y"),
        ("transposed-conv", "en", r"(?i)not divisible by the stride"),
        ("transposed-conv", "zh", r"不能被步幅整除"),
        ("transposed-conv", "en", r"\(in_channels, out_channels/groups, kH, kW\)"),
        # channels: each filter spans all input channels; weight shape; channels-last error
        ("conv-channels", "en", r"\*\*all\*\* input\s+channels"),
        ("conv-channels", "zh", r"覆盖\*\*全部\*\*输入通道"),
        ("conv-channels", "en", r"3\\times3\\times3 = 27"),
        ("conv-channels", "zh", r"3\\times3\\times3 = 27"),
        ("conv-channels", "en", r"\(out_channels, in_channels, kH, kW\)"),
        ("conv-channels", "zh", r"\(out_channels, in_channels, kH, kW\)"),
        ("conv-channels", "en", r"x\.permute\(0, 3, 1, 2\)"),
        ("conv-channels", "zh", r"x\.permute\(0, 3, 1, 2\)"),
        # conv1d vs conv2d vs conv3d: input shapes, the axes that slide, transpose for sequences
        ("conv1d-vs-conv2d", "en", r"\(N, C, L\).{0,200}\(N, C, H, W\).{0,300}\(N, C, D, H, W\)"),
        ("conv1d-vs-conv2d", "zh", r"\(N, C, L\).{0,200}\(N, C, H, W\).{0,300}\(N, C, D, H, W\)"),
        ("conv1d-vs-conv2d", "en", r"(?i)axes the kernel \*\*slides\*\*"),
        ("conv1d-vs-conv2d", "zh", r"卷积核\*\*滑动\*\*的轴数"),
        ("conv1d-vs-conv2d", "en", r"x\.transpose\(1, 2\)"),
        ("conv1d-vs-conv2d", "zh", r"x\.transpose\(1, 2\)"),
        ("conv1d-vs-conv2d", "en", r"`Conv1d` `\(C_out, C_in, k\)`"),
        # classic CNNs: names, years, what each introduced
        ("classic-cnns", "en", r"LeCun et al\. 1998"),
        ("classic-cnns", "en", r"Krizhevsky et al\. 2012"),
        ("classic-cnns", "en", r"15\.3 %.{0,40}26\.2 %"),
        ("classic-cnns", "zh", r"15\.3 %.{0,40}26\.2 %"),
        ("classic-cnns", "en", r"(?i)degradation"),
        ("classic-cnns", "zh", r"退化问题"),
        ("classic-cnns", "en", r"(?i)1×1 bottlenecks"),
        ("classic-cnns", "zh", r"1×1 瓶颈"),
        # flatten → linear: reading the error, the worked sizes, keeping the batch axis, adaptive pooling
        ("flatten-shape-mismatch", "en", r"64x12544 and 9216x128"),
        ("flatten-shape-mismatch", "zh", r"64x12544 and 9216x128"),
        ("flatten-shape-mismatch", "en", r"64\\cdot12\\cdot12 = 9216.{0,200}64\\cdot14\\cdot14 = 12\{,\}544"),
        ("flatten-shape-mismatch", "zh", r"64\\cdot12\\cdot12 = 9216.{0,200}64\\cdot14\\cdot14 = 12\{,\}544"),
        ("flatten-shape-mismatch", "en", r"torch\.flatten\(x, 1\)"),
        ("flatten-shape-mismatch", "zh", r"torch\.flatten\(x, 1\)"),
        ("flatten-shape-mismatch", "en", r"nn\.AdaptiveAvgPool2d\(\(1, 1\)\)"),
        ("flatten-shape-mismatch", "zh", r"nn\.LazyLinear"),
        # conv backprop: both gradient formulas, the flipped kernel, the link to transposed convolution
        ("conv-backprop", "en", WEIGHT_GRAD),
        ("conv-backprop", "zh", WEIGHT_GRAD),
        ("conv-backprop", "en", INPUT_GRAD),
        ("conv-backprop", "zh", INPUT_GRAD),
        ("conv-backprop", "en", r"(?i)rotated by 180°"),
        ("conv-backprop", "zh", r"旋转 180° 的卷积核"),
        ("conv-backprop", "en", r"(?i)transposed\s+convolution"),
        # data augmentation: training set only, mixup formula, random_split trap
        ("data-augmentation", "en", r"\*\*training set only\*\*"),
        ("data-augmentation", "zh", r"\*\*只用于训练集\*\*"),
        ("data-augmentation", "en", r"\\tilde x = \\lambda x_i \+ \(1-\\lambda\)x_j"),
        ("data-augmentation", "zh", r"\\tilde y = \\lambda y_i \+ \(1-\\lambda\)y_j"),
        ("data-augmentation", "en", r"\\mathrm\{Beta\}\(\\alpha,\\alpha\)"),
        ("data-augmentation", "en", r"random_split.{0,120}share"),
        ("data-augmentation", "zh", r"random_split.{0,40}共享"),
        # transfer learning: freeze + new head, small lr, BN running stats, preprocessing
        ("transfer-learning", "en", r"model\.fc = nn\.Linear\(model\.fc\.in_features, num_classes\)"),
        ("transfer-learning", "zh", r"model\.fc = nn\.Linear\(model\.fc\.in_features, num_classes\)"),
        ("transfer-learning", "en", r"(?i)\*\*feature extraction\*\*.{0,300}\*\*fine-tuning\*\*"),
        ("transfer-learning", "zh", r"\*\*特征提取\*\*.{0,200}\*\*微调\*\*"),
        ("transfer-learning", "en", r"requires_grad = False` does not stop the running mean"),
        ("transfer-learning", "zh", r"`requires_grad = False` 并不能阻止"),
        ("transfer-learning", "en", r"training=False"),
        ("transfer-learning", "en", r"Yosinski et al\. 2014"),
    ],
)
def test_entry_states_the_fact(entry_id, lang, pattern):
    assert re.search(pattern, body(entry_id, lang), re.S), f"{entry_id} ({lang}) must match {pattern!r}"


@pytest.mark.parametrize(
    ("entry_id", "pattern"),
    [
        ("conv-1x1", r"Lin, Chen & Yan \(2014\)"),
        ("conv-1x1", r"Szegedy"),
        ("depthwise-separable", r"Howard.{0,120}\(2017\)\. MobileNets"),
        ("depthwise-separable", r"Chollet \(2017\)\. Xception"),
        ("transposed-conv", r"Odena, Dumoulin & Olah \(2016\)"),
        ("transposed-conv", r"Dumoulin & Visin \(2016\)"),
        ("conv-backprop", r"LeCun"),
        ("classic-cnns", r"Krizhevsky"),
        ("classic-cnns", r"Simonyan & Zisserman \(2015\)"),
        ("data-augmentation", r"Zhang, Cisse, Dauphin & Lopez-Paz \(2018\)"),
        ("transfer-learning", r"Yosinski"),
    ],
)
def test_entry_cites_the_source(entry_id, pattern):
    assert re.search(pattern, refs(entry_id)), entry_id


def test_depthwise_separable_ratio_in_the_text_matches_the_formula():
    """The worked example (C_in = C_out = 256, k = 3) must equal 1/C_out + 1/k^2."""
    standard, separable = 3 * 3 * 256 * 256, 256 * 3 * 3 + 256 * 256
    assert (standard, separable) == (589_824, 67_840)
    assert separable / standard == pytest.approx(1 / 256 + 1 / 9)
    assert "0.115" in body("depthwise-separable", "en") and "0.115" in body("depthwise-separable", "zh")
