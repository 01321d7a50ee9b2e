"""Hot loops, private: each module holds a loop's array-API reference beside its Numba and CUDA versions.

The transforms call them (:mod:`specref._jit.fwht` behind the Hadamard transform,
:mod:`specref._jit.dwt_filterbank` behind the wavelets); nothing is re-exported here, and importing this
package alone imports neither Numba nor any loop.
"""

__all__: list[str] = []
