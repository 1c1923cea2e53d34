/**
 * SRM's training objective (paper §3.3, Eq. 13): L_seg = L_dice(y_r, y*) + L_bce(y_r, y*), y* the
 * GT downsampled to y_r's size. Both terms are weighted per pixel so that VOC's ignore band and
 * the padding of SAM's frame do not count. Dice smoothing 1 (NOT IN PAPER).
 */
import { tf } from "../tf/backend.ts";

/** logits, target, weight: same shape; returns a scalar. */
export function diceBce(logits: tf.Tensor, target: tf.Tensor, weight: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const z = tf.reshape(logits, [-1]), g = tf.reshape(target, [-1]), w = tf.reshape(weight, [-1]);
    const wsum = tf.maximum(tf.sum(w), 1);
    // Stable BCE with logits: max(z, 0) − z·g + log(1 + e^{−|z|})
    const bce = tf.add(tf.sub(tf.relu(z), tf.mul(z, g)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    const lBce = tf.div(tf.sum(tf.mul(w, bce)), wsum);
    const p = tf.sigmoid(z);
    const inter = tf.sum(tf.mul(w, tf.mul(p, g)));
    const denom = tf.add(tf.sum(tf.mul(w, p)), tf.sum(tf.mul(w, g)));
    const lDice = tf.sub(1, tf.div(tf.add(tf.mul(2, inter), 1), tf.add(denom, 1)));
    return tf.add(lBce, lDice) as tf.Scalar;
  });
}
