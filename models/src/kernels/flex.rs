//! Between burn's flex tensors and the kernels' slices: a tensor's values (borrowed when
//! contiguous), a tensor from a buffer (no copy), and sharing a tensor instead of copying it.

use std::borrow::Cow;

use burn::backend::flex::FlexTensor;
use burn::tensor::TensorData;

/// A flex tensor's values in row-major order (a view when it is already contiguous).
pub fn values(t: &FlexTensor) -> Cow<'_, [f32]> {
    match t.as_slice::<f32>() {
        Some(s) => s.into(),
        None => t
            .to_contiguous()
            .as_slice::<f32>()
            .expect("contiguous")
            .to_vec()
            .into(),
    }
}

/// A contiguous flex tensor of `values` (no copy).
pub fn tensor(values: Vec<f32>, shape: impl Into<burn::tensor::Shape>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

/// The tensor itself when `values` borrowed it (contiguous), else its contiguous copy.
pub fn shared(t: &FlexTensor, values: Cow<'_, [f32]>, shape: [usize; 2]) -> FlexTensor {
    match values {
        Cow::Borrowed(_) => t.clone(),
        Cow::Owned(v) => tensor(v, shape),
    }
}
