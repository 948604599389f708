import type { Photo } from '@graminsta/contracts';
import { useRealtimeEvents } from './realtime.tsx';

/**
 * Calls `onPhoto` with each of the user's photos that finishes processing while the component
 * is mounted: the one place pages hear `photo.ready`, to swap a processing photo for the real one.
 */
export function usePhotoUpdates(onPhoto: (photo: Photo) => void): void {
  useRealtimeEvents((event) => {
    if (event.type === 'photo.ready') onPhoto(event.data.photo);
  });
}
