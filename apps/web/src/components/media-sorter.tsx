import { useEffect, useRef, type ReactNode } from 'react';
import {
  DndContext,
  KeyboardSensor,
  PointerSensor,
  closestCenter,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
} from '@dnd-kit/core';
import {
  SortableContext,
  arrayMove,
  sortableKeyboardCoordinates,
  useSortable,
  verticalListSortingStrategy,
} from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';

interface Props<T extends { id: string }> {
  items: readonly T[];
  onReorder(items: T[]): void;
  /** The list's accessible name: "Photos of this post". */
  label: string;
  disabled?: boolean;
  /** One row's content besides the reorder controls (preview, alt text field…). */
  renderItem(item: T, index: number): ReactNode;
}

const instructions = {
  draggable:
    'To move this photo, press Space or Enter, move it with the arrow keys, and press Space or Enter again to drop it, or Escape to cancel.',
};

/**
 * The photos of a post as a list the author reorders: drag the handle with a pointer, or focus it
 * and use Space and the arrow keys (dnd-kit's keyboard sensor), or the "earlier"/"later" buttons.
 */
export function MediaSorter<T extends { id: string }>(props: Props<T>) {
  const { items, onReorder, disabled = false } = props;
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const position = (id: string | number) => items.findIndex((i) => i.id === id) + 1;
  // dnd-kit reports the picked-up photo over its own place at once; saying so would cut off "Picked up".
  const moved = useRef(false);
  const announcements: Announcements = {
    onDragStart: ({ active }) => {
      moved.current = false;
      return `Picked up photo ${position(active.id)} of ${items.length}.`;
    },
    onDragOver: ({ active, over }) => {
      if (!over || (over.id === active.id && !moved.current)) return undefined;
      moved.current = true;
      return `Photo ${position(active.id)} is over position ${position(over.id)}.`;
    },
    onDragEnd: ({ active, over }) =>
      over
        ? `Photo ${position(active.id)} dropped at position ${position(over.id)}.`
        : `Photo ${position(active.id)} dropped.`,
    onDragCancel: ({ active }) => `Moving photo ${position(active.id)} was cancelled.`,
  };
  const move = (from: number, to: number) => onReorder(arrayMove([...items], from, to));

  // Moving a row moves its buttons in the page, which can drop the focus: put it back on the
  // button that was pressed (or its twin, once the row reached an end).
  const list = useRef<HTMLOListElement>(null);
  const refocus = useRef<{ id: string; towards: 'earlier' | 'later' } | null>(null);
  useEffect(() => {
    const want = refocus.current;
    if (!want) return;
    refocus.current = null;
    const row = [...(list.current?.children ?? [])].find((li) => (li as HTMLElement).dataset.id === want.id);
    const pressed = row?.querySelector<HTMLButtonElement>(`button[data-move="${want.towards}"]`);
    const twin = row?.querySelector<HTMLButtonElement>(
      `button[data-move="${want.towards === 'earlier' ? 'later' : 'earlier'}"]`,
    );
    (pressed && !pressed.disabled ? pressed : twin)?.focus();
  });
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    move(position(active.id) - 1, position(over.id) - 1);
  };

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={closestCenter}
      onDragEnd={onDragEnd}
      accessibility={{ announcements, screenReaderInstructions: instructions }}
    >
      <SortableContext items={items.map((i) => i.id)} strategy={verticalListSortingStrategy}>
        <ol className="media-sorter" aria-label={props.label} data-testid="media-sorter" ref={list}>
          {items.map((item, index) => (
            <SortableRow
              key={item.id}
              id={item.id}
              index={index}
              count={items.length}
              disabled={disabled}
              onMove={(to) => {
                refocus.current = { id: item.id, towards: to < index ? 'earlier' : 'later' };
                move(index, to);
              }}
            >
              {props.renderItem(item, index)}
            </SortableRow>
          ))}
        </ol>
      </SortableContext>
    </DndContext>
  );
}

function SortableRow(props: {
  id: string;
  index: number;
  count: number;
  disabled: boolean;
  onMove(to: number): void;
  children: ReactNode;
}) {
  const { id, index, count, disabled } = props;
  const sortable = useSortable({ id, disabled });
  const style = {
    transform: CSS.Translate.toString(sortable.transform),
    transition: sortable.transition,
  };
  const n = index + 1;
  return (
    <li
      ref={sortable.setNodeRef}
      style={style}
      className={`media-row${sortable.isDragging ? ' dragging' : ''}`}
      data-testid="media-row"
      data-id={id}
    >
      <div className="media-row-controls">
        <button
          type="button"
          className="icon-button drag-handle"
          ref={sortable.setActivatorNodeRef}
          {...sortable.attributes}
          {...sortable.listeners}
          aria-label={`Reorder photo ${n} of ${count}`}
          disabled={disabled}
        >
          <span aria-hidden="true">⠿</span>
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label={`Move photo ${n} earlier`}
          data-move="earlier"
          disabled={disabled || index === 0}
          onClick={() => props.onMove(index - 1)}
        >
          <span aria-hidden="true">↑</span>
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label={`Move photo ${n} later`}
          data-move="later"
          disabled={disabled || index === count - 1}
          onClick={() => props.onMove(index + 1)}
        >
          <span aria-hidden="true">↓</span>
        </button>
      </div>
      <div className="media-row-body">{props.children}</div>
    </li>
  );
}
